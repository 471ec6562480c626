/**
 * One Node line from test to deploy: the Node running these tests (npm puts the `node` package's
 * binary first on PATH), package.json, the Lambda runtime, the bundles' esbuild target and the
 * collector hosts' Node are one major, and it is one the vendors list.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { handler as compactHandler } from '../transformer/drivers/compact-entry.ts';
import { handler as transformerHandler } from '../transformer/drivers/lambda-entry.ts';
import { handler as migrateHandler } from '../transformer/drivers/migrate-entry.ts';
import { BUNDLE_TARGET } from './build/bundle.ts';
import { collectorUserData } from './components/collector-user-data.ts';
import { LAMBDA_RUNTIME } from './components/transformer.ts';
import { AL2023_NODE_MAJORS, LAMBDA_NODE_RUNTIMES, NODE_MAJOR } from './node-line.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const json = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'));
const major = (version: string) => Number(/^v?(\d+)\./.exec(version)?.[1]);
/** The line these tests actually run on: the anchor every other place is compared with. */
const running = major(process.versions.node);

describe('one Node line from test to deploy', () => {
  it('runs the tests on the line package.json names and npm ci installs', () => {
    const pkg = json('package.json');
    expect(running).toBe(NODE_MAJOR);
    expect(pkg.engines.node).toBe(`${running}.x`);
    // The registry's `node` package is what puts this Node in node_modules/.bin; its preinstall
    // fetches the platform binary, so it must stay allowed when npm blocks unreviewed scripts.
    expect(major(pkg.dependencies.node.replace(/^[\^~]/, ''))).toBe(running);
    expect(pkg.allowScripts?.node).toBe(true);
    const locked = json('package-lock.json').packages['node_modules/node'].version;
    expect(major(locked)).toBe(running);
    expect(major(json('package-lock.json').packages['node_modules/@types/node'].version)).toBe(running);
  });

  it('child processes that start `node` from PATH get the same line', () => {
    const out = execFileSync('node', ['-p', 'process.versions.node'], { encoding: 'utf8' });
    expect(major(out.trim())).toBe(running);
  });

  it('deploys the same line: Lambda runtime, bundle target and collector hosts', () => {
    expect(LAMBDA_RUNTIME).toBe(`nodejs${running}.x`);
    expect(LAMBDA_NODE_RUNTIMES).toContain(LAMBDA_RUNTIME);
    expect(BUNDLE_TARGET).toBe(`node${running}`);

    const script = collectorUserData({
      region: 'eu-west-1',
      artifactBucket: 'a',
      artifactKey: 'collector/bundle.zip',
      streamName: 's',
      lakeBucket: 'l',
      databaseHost: 'h',
      databaseUser: 'alt_collector',
      asgName: 'g',
      lifecycleHookName: 'drain',
      port: 8080,
      privatePort: 9090,
      loadBalancer: 'alb',
      metricsNamespace: 'ALT/Collector',
      logGroupName: '/alt/collector',
      spoolMaxBytes: 1,
      trustProxyHops: 1,
    });
    const installed = /^dnf install -y (.+)$/m.exec(script)?.[1].split(' ') ?? [];
    const nodePackages = installed.filter((p) => /^nodejs\d*$/.test(p));
    expect(nodePackages).toEqual([`nodejs${running}`]);
    expect(AL2023_NODE_MAJORS).toContain(running);
    // The service runs the versioned binary that package installs, not the alternatives link.
    const execStart = /^ExecStart=(\S+) \/opt\/alt\/collector\/main\.mjs$/m.exec(script)?.[1];
    expect(execStart).toBe(`/usr/bin/node-${running}`);
  });

  it('gives Lambda promise-based handlers, the only kind nodejs24.x calls', () => {
    // Node.js 24 on Lambda drops callback-style handlers (event, context, callback)
    // (https://aws.amazon.com/blogs/compute/node-js-24-runtime-now-available-in-aws-lambda/).
    for (const h of [transformerHandler, migrateHandler, compactHandler]) {
      expect(h.constructor.name).toBe('AsyncFunction');
      expect(h.length).toBeLessThanOrEqual(2);
    }
  });
});
