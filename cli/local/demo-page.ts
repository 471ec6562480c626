/**
 * The page `alt dev` serves at `/`: it embeds the real beacon with the demo app's snippet, so
 * clicking around produces real hits (pageviews, SPA navigations, custom events with a status).
 */
const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function demoPage(opts: { appId: string; snippet: string; dataDir: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ALT demo</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1f2328; }
  code, pre { background: #f6f8fa; border-radius: 4px; padding: .1rem .3rem; }
  pre { padding: .75rem; overflow-x: auto; }
  button, a.nav { font: inherit; margin: .25rem .5rem .25rem 0; padding: .4rem .8rem; border: 1px solid #d0d7de; border-radius: 6px; background: #fff; cursor: pointer; color: inherit; text-decoration: none; display: inline-block; }
  #log { font-size: .9rem; color: #57606a; }
</style>
${opts.snippet}
</head>
<body>
<h1>ALT is running</h1>
<p>This page carries the ALT beacon for the demo app <code>${esc(opts.appId)}</code>. Each click below sends a
hit to the collector; the transformer writes them to the lake under <code>${esc(opts.dataDir)}/lake/</code>.</p>
<p>
  <a class="nav" href="/?page=pricing" data-spa>SPA: /pricing</a>
  <a class="nav" href="/?page=docs" data-spa>SPA: /docs</a>
  <button data-status="RUNNING">event: job RUNNING</button>
  <button data-status="SUCCEEDED">event: job SUCCEEDED</button>
  <button data-status="FAILED">event: job FAILED</button>
</p>
<p id="log">Current page: <span id="where"></span></p>
<h2>Then look at your data</h2>
<pre>npm run alt -- transform --once
npm run alt -- query "SELECT event_type, event_name, status, count(*) AS hits FROM hits GROUP BY ALL ORDER BY hits DESC"
npm run alt -- validate</pre>
<script>
  (function () {
    var where = document.getElementById('where');
    function show() { where.textContent = location.pathname + location.search; }
    show();
    document.addEventListener('click', function (e) {
      var t = e.target;
      if (!(t instanceof Element)) return;
      var link = t.closest('a[data-spa]');
      if (link) { e.preventDefault(); history.pushState({}, '', link.getAttribute('href')); show(); return; }
      var status = t.getAttribute('data-status');
      if (status) window.alt('event', 'demo_job', { status: status, metadata: { from: 'demo page' } });
    });
    window.addEventListener('popstate', show);
  })();
</script>
</body>
</html>
`;
}
