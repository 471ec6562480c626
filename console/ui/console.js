// The ALT console's only script (no framework): the live view over server-sent events and the
// copy buttons. Everything else is plain HTML forms and links that work without it.

const MAX_ROWS = 200;

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function why(hit) {
  if (hit.outcome !== 'refused') return hit.outcome === 'dropped_bot' ? 'bot (app policy: drop)' : '';
  const parts = [hit.code];
  for (const d of hit.details ?? []) {
    parts.push(`${d.index !== undefined ? `hit ${d.index} ` : ''}${d.pointer || '/'}: ${d.message}`);
  }
  return parts.join(' — ');
}

function startLive(section) {
  const tbody = section.querySelector('tbody');
  const state = section.querySelector('.live-state');
  const withApp = section.querySelectorAll('thead th').length === 7;
  const source = new EventSource(section.dataset.live);
  state.textContent = 'Connecting…';
  source.addEventListener('open', () => {
    section.dataset.state = 'open';
    state.textContent = 'Listening: each hit appears as the collector accepts, drops or refuses it.';
  });
  source.addEventListener('error', () => {
    section.dataset.state = 'closed';
    state.textContent = 'Disconnected; retrying…';
  });
  source.addEventListener('message', (e) => {
    const hit = JSON.parse(e.data);
    const tr = document.createElement('tr');
    tr.dataset.outcome = hit.outcome;
    if (hit.code) tr.dataset.code = hit.code;
    if (hit.event_type) tr.dataset.event = hit.event_type;
    if (hit.app_id) tr.dataset.app = hit.app_id;
    tr.append(cell(new Date(hit.at).toLocaleTimeString()));
    if (withApp) tr.append(cell(hit.app_id ?? '—'));
    tr.append(
      cell(hit.outcome.replace('_', ' '), 'outcome'),
      cell(String(hit.http_status)),
      cell(hit.event_type ?? ''),
      cell(hit.url ?? '', 'url'),
      cell(why(hit), 'why'),
    );
    tbody.prepend(tr);
    while (tbody.rows.length > MAX_ROWS) tbody.lastElementChild.remove();
  });
}

for (const section of document.querySelectorAll('[data-live]')) startLive(section);

for (const button of document.querySelectorAll('button[data-copy]')) {
  button.hidden = false;
  button.addEventListener('click', async () => {
    const text = document.getElementById(button.dataset.copy)?.textContent ?? '';
    const status = document.querySelector('.copied');
    try {
      await navigator.clipboard.writeText(text);
      if (status) status.textContent = 'Copied.';
    } catch {
      if (status) status.textContent = 'Copying was refused by the browser: select the text and copy it.';
    }
  });
}

// A key shown once: move the focus to it so keyboard and screen-reader users land on it.
document.getElementById('key-section')?.focus();
