import { describe, expect, it } from 'vitest';
import { type Estimate, estimate } from './model.ts';
import { tieredCost } from './prices.ts';

const line = (e: Estimate, service: string, item: RegExp) => {
  const found = e.items.filter((i) => i.service === service && item.test(i.item));
  expect(found, `${service} / ${item}`).toHaveLength(1);
  return found[0];
};

/** 730 h × 3,600 s: the month every hourly AWS price assumes. */
const SECONDS = 2_628_000;

describe('small at 20 M pageviews a month (us-east-1)', () => {
  const e = estimate({ preset: 'small', pageviewsPerMonth: 20e6, region: 'us-east-1' });

  it('costs at most $130 a month', () => {
    expect(e.total).toBeLessThanOrEqual(130);
    expect(e.total).toBeCloseTo(
      e.items.reduce((s, i) => s + i.monthly, 0),
      9,
    );
  });

  it('prices the ALB from its busiest LCU dimension, new connections', () => {
    // The posts' connections only: a cold cache's script fetch and the post share one (both without
    // credentials, scriptOwnConnectionShare 0).
    // 20 M pageviews × 0.5 new connections ÷ 2,628,000 s = 3.805 new conn/s → ÷ 25 = 0.1522 LCU;
    // active 3.805 × (60 + 30) s = 342 ÷ 3,000 = 0.114; bytes ≈ 62 GB ÷ 730 h = 0.085 GB/h.
    // 0.1522 × 730 h = 111.1 LCU-hours × $0.008 = $0.889. Hours: 730 × $0.0225 = $16.425.
    expect(line(e, 'Load balancer', /hours/).monthly).toBeCloseTo(16.425, 3);
    const lcu = line(e, 'Load balancer', /^LCUs/);
    expect(lcu.quantity).toBeCloseTo(((20e6 * 0.5) / SECONDS / 25) * 730, 6);
    expect(lcu.monthly).toBeCloseTo(0.889, 3);
    // Two ALB nodes' addresses and the collector's own: 3 × 730 h × $0.005.
    expect(line(e, 'Load balancer', /IPv4/).monthly).toBeCloseTo(7.3, 6);
    expect(line(e, 'EC2 collectors', /IPv4/).monthly).toBeCloseTo(3.65, 6);
  });

  it('names data transfer out, TLS handshakes included, at $0.09/GB', () => {
    // responses 20 M × 187 B (measured) = 3.74e9 B = 3.483 GB; handshakes 10 M new connections ×
    // (0.75 × 4,104 + 0.25 × 808 = 3,280 B, ACM's ECDSA chain, measured) = 32.8e9 B = 30.55 GB;
    // script 20 M × 0.2 cold caches × 1,191 B (measured) = 4.764e9 B = 4.437 GB. 38.47 GB × $0.09 = $3.46.
    const responses = line(e, 'Data transfer out', /responses/);
    const handshakes = line(e, 'Data transfer out', /TLS handshakes \(ECDSA/);
    const script = line(e, 'Data transfer out', /beacon script/);
    expect(responses.quantity).toBeCloseTo(3.74e9 / 1024 ** 3, 6);
    expect(handshakes.quantity).toBeCloseTo(32.8e9 / 1024 ** 3, 6);
    expect(handshakes.item).toBe('TLS handshakes (ECDSA ACM certificate, 0.5 new connections a pageview)');
    expect(script.quantity).toBeCloseTo(4.764e9 / 1024 ** 3, 6);
    expect(responses.monthly + handshakes.monthly + script.monthly).toBeCloseTo(
      (41.304e9 / 1024 ** 3) * 0.09,
      6,
    );
  });

  it('runs one collector, one provisioned shard and one Aurora writer at its minimum', () => {
    expect(line(e, 'EC2 collectors', /t4g.small × 1/).monthly).toBeCloseTo(730 * 0.0168, 6);
    // A quiet collector puts every hit on its own: 20 M records of 425 B = 20 M PUT payload units.
    expect(line(e, 'Kinesis', /provisioned, 1 shard/).monthly).toBeCloseTo(730 * 0.015, 6);
    expect(line(e, 'Kinesis', /PUT payload units/).monthly).toBeCloseTo(20 * 0.014, 6);
    // 0.5 ACU + 0.06 × 7.61 hits/s ÷ 1,000 = 0.500457 ACU × 730 h × $0.12 = $43.84.
    expect(line(e, 'Aurora', /writer/).monthly).toBeCloseTo(
      (0.5 + (0.06 * 20e6) / SECONDS / 1000) * 730 * 0.12,
      6,
    );
    expect(e.items.some((i) => i.service === 'Aurora' && /reader/.test(i.item))).toBe(false);
    expect(line(e, 'VPC endpoints', /secretsmanager × 1 AZ/).monthly).toBeCloseTo(7.3, 6);
  });

  it('has no WAF and no CloudFront line: the preset creates neither', () => {
    expect(e.items.filter((i) => i.service === 'WAF' || i.service === 'CloudFront')).toEqual([]);
  });

  it('prices no certificate renewer: the preset serves an ACM-issued certificate', () => {
    expect(e.items.some((i) => /renewer/.test(i.item))).toBe(false);
    expect(line(e, 'CloudWatch', /^alarms$/).quantity).toBe(13);
    expect(line(e, 'Secrets Manager', /secret/).quantity).toBe(1);
  });
});

describe('scale at 5,000 hits/s sustained (us-east-1)', () => {
  const e = estimate({ preset: 'scale', hitsPerSecond: 5000, region: 'us-east-1' });

  it('sizes collectors and shards from the rate', () => {
    // ceil(5,000 ÷ 2,500) = 2 × c7g.large × 730 h × $0.0725 = $105.85.
    expect(e.traffic.collectors).toBe(2);
    expect(line(e, 'EC2 collectors', /c7g.large × 2/).monthly).toBeCloseTo(105.85, 6);
    // 2 collectors × 400 puts/s = 800 records/s (6.25 hits each, 350 + 75 × 6.25 = 818.75 B):
    // 800 ÷ (1,000 × 0.8) = 1 shard by records, 655 KB/s ÷ (1 MiB × 0.8) = 0.78 by bytes → 1 shard;
    // 800 × 2,628,000 = 2,102.4 M PUT units × $0.014 = $29.43.
    expect(e.traffic.shards).toBe(1);
    expect(line(e, 'Kinesis', /PUT payload units/).monthly).toBeCloseTo(2102.4 * 0.014, 6);
  });

  it('prices the NLB the stack builds, with connections idle as long as the collector keeps them', () => {
    // The collector closes idle connections at 65 s (the TLS listener's own 350 s never comes):
    // 0.5 − 0.1 × (65 − 60) ÷ 290 = 0.49828 new connections a pageview → 2,491.4 new TLS conn/s.
    // NLCUs: max(2,491.4 ÷ 50 = 49.8, 2,491.4 × (65 + 30) s = 236,681 active ÷ 3,000 = 78.9,
    // 50.6 GB/h) = 78.894 × 730 × $0.006 = $345.55.
    expect(e.loadBalancer).toBe('nlb');
    const newPerPageview = 0.5 - (0.1 * (65 - 60)) / 290;
    expect(e.traffic.newConnectionsPerMonth).toBeCloseTo(5000 * SECONDS * newPerPageview, 0);
    const nlcu = line(e, 'Load balancer', /^NLCUs/);
    expect(nlcu.quantity).toBeCloseTo(((5000 * newPerPageview * 95) / 3000) * 730, 6);
    expect(nlcu.monthly).toBeCloseTo(345.55, 2);
    expect(line(e, 'Load balancer', /Network Load Balancer \(TLS listener\), hours/).monthly).toBeCloseTo(
      730 * 0.0225,
      6,
    );
    expect(e.items.some((i) => i.priceId === 'elb.alb-lcu')).toBe(false);
    // The collector's request metrics the agent ships behind an NLB are priced too.
    expect(line(e, 'CloudWatch', /custom metrics \(collector EMF with its request metrics/).quantity).toBe(
      6 + 4 + 2 * (2 + 1) + 12,
    );
  });

  it('would cost more behind the ALB (60 s idle: 2,500 new conn/s ÷ 25 = 100 LCU, $584)', () => {
    const alb = estimate({ preset: 'scale', hitsPerSecond: 5000, region: 'us-east-1', loadBalancer: 'alb' });
    expect(alb.loadBalancer).toBe('alb');
    expect(line(alb, 'Load balancer', /^LCUs/).monthly).toBeCloseTo(584, 6);
    expect(alb.total).toBeGreaterThan(e.total + 200);
    const cheapest = estimate({
      preset: 'scale',
      hitsPerSecond: 5000,
      region: 'us-east-1',
      loadBalancer: 'cheapest',
    });
    expect(cheapest.loadBalancer).toBe('nlb');
    // At a few hits a second the two cost about the same (the hours are priced alike).
    const quiet = (loadBalancer: 'alb' | 'nlb') =>
      estimate({ preset: 'scale', hitsPerSecond: 5, region: 'us-east-1', loadBalancer }).total;
    expect(Math.abs(quiet('alb') - quiet('nlb'))).toBeLessThan(2);
  });

  it('is dominated by TLS handshake egress, and what the stack builds stays under $0.20 per million hits', () => {
    const top = [...e.items].sort((x, y) => y.monthly - x.monthly)[0];
    expect(top.item).toMatch(/TLS handshakes/);
    // 13.14 B hits ÷ 1 M = 13,140 × $0.20 = $2,628 is the budget; the stack as built: $2,601.42.
    expect(e.total).toBeCloseTo(2601.42, 1);
    expect(e.perMillionHits).toBeLessThanOrEqual(0.2);
    expect(e.perMillionHits).toBeGreaterThan(0.19);
  });

  it('sizes raw/ from the stream records it archives, not from the hits', () => {
    // 800 records/s × 2,628,000 s = 2.1024e9 records of 818.75 B; raw/ keeps each as
    // 818.75 × 1.006 + 130 = 953.66 B: 2.0050e12 B = 1,867.3 GB a month (152.6 B a hit).
    // scale keeps raw/ one day in Standard: 1,867.3 × 1 ÷ (730 ÷ 24) days = 61.39 GB.
    const gbMonth = (2.1024e9 * (818.75 * 1.006 + 130)) / 1024 ** 3;
    expect(line(e, 'S3', /^raw\/ gzip NDJSON in Standard \(1 days\)/).quantity).toBeCloseTo(
      gbMonth / (730 / 24),
      6,
    );
    // A busier record (more hits in it) makes raw/ smaller per hit: the line overhead is shared.
    const fewerPuts = estimate({
      preset: 'scale',
      hitsPerSecond: 5000,
      region: 'us-east-1',
      assumptions: { putsPerSecondPerCollector: 100 },
    });
    expect(line(fewerPuts, 'S3', /^raw\/ gzip NDJSON in Standard/).quantity).toBeLessThan(
      line(e, 'S3', /^raw\/ gzip NDJSON in Standard/).quantity,
    );
  });

  it('prices the managed short chain: $462.09 a month less than ACM’s ECDSA chain, renewer included', () => {
    const acm = estimate({ preset: 'scale', hitsPerSecond: 5000, region: 'us-east-1', certificate: 'acm' });
    // Full handshakes (0.75 of new connections) send 4,104 − 2,914 = 1,190 B less: 892.5 B a new
    // connection × 6,547.3 M = 5.8435e12 B = 5,442.2 GB at the second tier's $0.085 = $462.59.
    const bytes = 0.75 * (4104 - 2914) * e.traffic.newConnectionsPerMonth;
    const handshakes = (x: Estimate) => line(x, 'Data transfer out', /TLS handshakes/);
    expect(handshakes(e).item).toMatch(/^TLS handshakes \(managed ECDSA, leaf \+ 1 intermediate certificate/);
    expect(handshakes(acm).item).toMatch(/^TLS handshakes \(ECDSA ACM certificate/);
    expect(handshakes(acm).quantity - handshakes(e).quantity).toBeCloseTo(bytes / 1024 ** 3, 6);
    // The renewer: a secret ($0.40), its errors alarm ($0.10), 30 GB-s and 30.4 runs (< $0.001),
    // the daily schedule (< $0.0001), its log lines (< $0.001).
    expect(line(e, 'Secrets Manager', /ACME account key/).quantity).toBe(2);
    expect(line(e, 'CloudWatch', /^alarms \(the certificate renewer’s errors included\)$/).quantity).toBe(14);
    expect(line(e, 'Lambda', /^certificate renewer \(daily\)$/).monthly).toBeCloseTo(30 * 0.0000133334, 6);
    expect(line(acm, 'CloudWatch', /^alarms$/).quantity).toBe(13);
    expect(acm.items.some((i) => /renewer/.test(i.item))).toBe(false);
    expect(acm.total - e.total).toBeCloseTo((bytes / 1024 ** 3) * 0.085 - 0.5, 2);
    expect(acm.total).toBeCloseTo(3063.51, 1);
  });

  it('refuses the managed certificate where browsers meet CloudFront’s', () => {
    expect(() =>
      estimate({ preset: 'current', hitsPerSecond: 5000, region: 'us-east-1', certificate: 'managed' }),
    ).toThrow(/takes beacon posts through CloudFront/);
  });

  it('reaches $0.20 per million hits with the short chain on the NLB, src snippet or inline', () => {
    const at = (
      assumptions: Record<string, number>,
      snippet: 'src' | 'inline' = 'src',
      loadBalancer?: 'alb',
    ) =>
      estimate({
        preset: 'scale',
        hitsPerSecond: 5000,
        region: 'us-east-1',
        assumptions,
        loadBalancer,
        snippet,
      }).perMillionHits;
    // The handshakes, measured, are larger than the ≈ 2,400 B the estimate had for a short chain.
    expect(at({}, 'inline')).toBeCloseTo(0.1791, 4);
    expect(at({}, 'src')).toBeCloseTo(0.198, 4);
    expect(at({}, 'src')).toBeLessThanOrEqual(0.2);
    // With the answer's keep-alive headers back (48 B a post and a script) src would miss it.
    expect(at({ responseBytes: 235, beaconScriptBytes: 1239 }, 'src')).toBeGreaterThan(0.2);
    // Two hits a request take it lower still.
    expect(at({ hitsPerRequest: 2 }, 'inline')).toBeLessThan(at({}, 'inline'));
    expect(at({ hitsPerRequest: 2 }, 'inline', 'alb')).toBeGreaterThan(at({ hitsPerRequest: 2 }, 'inline'));
  });
});

describe('the inline snippet (alt apps snippet --inline), priced with snippet: inline', () => {
  it('takes the beacon script off the egress at 5,000 hits/s: $247.77 a month less on scale', () => {
    const src = estimate({ preset: 'scale', hitsPerSecond: 5000, region: 'us-east-1' });
    const inline = estimate({ preset: 'scale', hitsPerSecond: 5000, region: 'us-east-1', snippet: 'inline' });
    expect(src.snippet).toBe('src');
    expect(inline.snippet).toBe('inline');
    // With src, 13.14 B pageviews × 0.2 cold caches × 1,191 B = 3.1299e12 B = 2,914.99 GB of script;
    // the month's egress is past the first 10 TB, so it is priced at the second tier's $0.085.
    const script = line(src, 'Data transfer out', /beacon script/);
    expect(script.quantity).toBeCloseTo((13.14e9 * 0.2 * 1191) / 1024 ** 3, 6);
    expect(inline.items.some((i) => /beacon script/.test(i.item))).toBe(false);
    expect(src.total - inline.total).toBeCloseTo(((13.14e9 * 0.2 * 1191) / 1024 ** 3) * 0.085, 6);
    expect(src.total - inline.total).toBeCloseTo(247.77, 2);
    // No connection saved: the src snippet's script fetch and the post share one.
    expect(inline.traffic.newConnectionsPerMonth).toBe(src.traffic.newConnectionsPerMonth);
    expect(inline.total).toBeCloseTo(2353.65, 2);
    // Nothing else costs less: the NLB is sized by active connections (its GB/h dimension drops,
    // 47.5 → 43.5, but is not the largest), and the posts are the same.
    expect(line(src, 'Load balancer', /^NLCUs/).item).toMatch(/47\.5 GB\/h/);
    expect(line(inline, 'Load balancer', /^NLCUs/).item).toMatch(/43\.5 GB\/h/);
    const others = (e: typeof src) =>
      e.items.filter((i) => i.priceId !== 'ec2.data-out').map((i) => [i.priceId, i.monthly]);
    expect(others(inline)).toEqual(others(src));
  });

  it('on small at 20 M pageviews saves the 4.44 GB of script egress at $0.09 (the LCUs follow new connections)', () => {
    const src = estimate({ preset: 'small', pageviewsPerMonth: 20e6, region: 'us-east-1' });
    const inline = estimate({
      preset: 'small',
      pageviewsPerMonth: 20e6,
      region: 'us-east-1',
      snippet: 'inline',
    });
    // 20 M × 0.2 × 1,191 B = 4.764e9 B = 4.437 GB × $0.09 = $0.3993.
    expect(src.total - inline.total).toBeCloseTo((4.764e9 / 1024 ** 3) * 0.09, 6);
    expect(line(inline, 'Load balancer', /^LCUs/).monthly).toBeCloseTo(
      line(src, 'Load balancer', /^LCUs/).monthly,
      9,
    );
  });

  it('removes the script requests and revalidations CloudFront and WAF charge for on current', () => {
    const e = estimate({ preset: 'current', hitsPerSecond: 5000, region: 'us-east-1', snippet: 'inline' });
    // Only the 13.14 B beacon posts: 1,314,000 × $0.01 per 10k = $13,140; WAF 13,140 M × $0.60 = $7,884.
    expect(line(e, 'CloudFront', /^HTTPS requests \(beacon posts\)$/).monthly).toBeCloseTo(13_140, 6);
    expect(line(e, 'WAF', /^requests inspected$/).monthly).toBeCloseTo(7_884, 6);
    expect(e.items.some((i) => /beacon script/.test(i.item))).toBe(false);
  });
});

describe('a browser that keeps the script and the posts on separate connections (--assume scriptOwnConnectionShare)', () => {
  // What Chromium did while the beacon posted with sendBeacon (credentialed) next to the anonymous
  // script fetch: 0.8 was the share of script requests then priced as a connection of their own.
  const assumptions = { scriptOwnConnectionShare: 0.8 };

  it('adds a new connection for each such script request, on small at 20 M pageviews', () => {
    const e = estimate({ preset: 'small', pageviewsPerMonth: 20e6, region: 'us-east-1', assumptions });
    // 20 M × (0.5 for the posts + 0.2 cold caches × 0.8) = 13.2 M ÷ 2,628,000 s = 5.023 new conn/s
    // → ÷ 25 = 0.2009 LCU × 730 h = 146.7 LCU-hours × $0.008 = $1.173. Handshakes 13.2 M × 3,280 B
    // (ACM's ECDSA chain: 0.75 × 4,104 + 0.25 × 808) = 43.296e9 B.
    const lcu = line(e, 'Load balancer', /^LCUs/);
    expect(lcu.quantity).toBeCloseTo(((20e6 * (0.5 + 0.2 * 0.8)) / SECONDS / 25) * 730, 6);
    expect(lcu.monthly).toBeCloseTo(1.173, 3);
    const handshakes = line(
      e,
      'Data transfer out',
      /TLS handshakes \(ECDSA ACM certificate, 0\.66 new connections a pageview, script fetches’ own included\)/,
    );
    expect(handshakes.quantity).toBeCloseTo(43.296e9 / 1024 ** 3, 6);
  });

  it('prices scale at 5,000 hits/s $508.31 higher, all of which the inline snippet saves besides the script', () => {
    const shared = estimate({ preset: 'scale', hitsPerSecond: 5000, region: 'us-east-1' });
    const apart = estimate({ preset: 'scale', hitsPerSecond: 5000, region: 'us-east-1', assumptions });
    const inline = estimate({
      preset: 'scale',
      hitsPerSecond: 5000,
      region: 'us-east-1',
      snippet: 'inline',
      assumptions,
    });
    // 13.14 B × 0.2 × 0.8 = 2.1024 B more handshakes of 2,387.5 B (the managed chain: 0.75 × 2,914
    // + 0.25 × 808) = 5.0195e12 B = 4,674.8 GB at the second tier's $0.085 = $397.36; and 800 more new conn/s × 95 s ÷ 3,000 = 25.33 NLCU × 730 h ×
    // $0.006 = $110.96 (active connections are the NLB's largest dimension).
    const connections = 13.14e9 * 0.2 * 0.8;
    expect(apart.traffic.newConnectionsPerMonth - shared.traffic.newConnectionsPerMonth).toBeCloseTo(
      connections,
      0,
    );
    const egress = ((connections * 2387.5) / 1024 ** 3) * 0.085;
    const nlcu = ((5000 * 0.2 * 0.8 * 95) / 3000) * 730 * 0.006;
    expect(apart.total - shared.total).toBeCloseTo(egress + nlcu, 6);
    expect(apart.total).toBeCloseTo(3109.74, 1);
    // Inline has no script request, so the assumption changes nothing there.
    expect(inline.total).toBeCloseTo(2353.65, 2);
    expect(apart.total - inline.total).toBeCloseTo(756.09, 2);
  });
});

describe('current (prod as committed) at 5,000 hits/s', () => {
  const e = estimate({ preset: 'current', hitsPerSecond: 5000, region: 'us-east-1' });

  it('pays CloudFront and WAF per request for every beacon post and b.js revalidation', () => {
    // 13.14 B posts + 13.14 B pageviews × (0.2 cold + 0.6 revalidating) = 23.652 B requests:
    // CloudFront 2,365,200 × $0.01 per 10k = $23,652; WAF 23,652 × $0.60 per M = $14,191.20.
    expect(line(e, 'CloudFront', /HTTPS requests/).monthly).toBeCloseTo(23_652, 6);
    expect(line(e, 'WAF', /requests inspected/).monthly).toBeCloseTo(14_191.2, 6);
    expect(e.perMillionHits).toBeGreaterThan(1.25);
  });
});

describe('prices', () => {
  it('prices tiered data transfer tier by tier', () => {
    // 12 TiB = 12,288 GB: 10,240 × $0.09 + 2,048 × $0.085 = $921.60 + $174.08.
    expect(tieredCost('ec2.data-out', 'us-east-1', 12 * 1024)).toBeCloseTo(1095.68, 6);
  });

  it('uses the region’s prices', () => {
    const e = estimate({ preset: 'small', pageviewsPerMonth: 20e6, region: 'eu-west-1' });
    expect(line(e, 'Load balancer', /hours/).monthly).toBeCloseTo(730 * 0.0252, 6);
  });

  it('gives every line a unit, a price and the page it comes from', () => {
    for (const preset of ['small', 'scale', 'current'] as const) {
      for (const i of estimate({ preset, hitsPerSecond: 100, region: 'eu-central-1' }).items) {
        expect(i.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
        expect(i.unitPrice).toBeGreaterThan(0);
        expect(Number.isFinite(i.monthly)).toBe(true);
      }
    }
  });

  it('refuses traffic given twice or not at all', () => {
    expect(() => estimate({ preset: 'small', region: 'us-east-1' })).toThrow(/exactly one/);
    expect(() =>
      estimate({ preset: 'small', region: 'us-east-1', hitsPerSecond: 1, pageviewsPerMonth: 1 }),
    ).toThrow(/exactly one/);
  });
});
