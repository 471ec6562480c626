/**
 * `alt:preset`: the stack config a preset stands for, derived from the same `StackShape` the cost
 * model prices (lib/cost/presets.ts), so what `alt cost --preset X` prices is what the stack
 * builds. `validateConfig` lays these values over `DEFAULTS`, and the stack file's own keys over
 * them. Keys a shape does not decide (AZ names, account values, deletion protection, backups,
 * timeouts) keep their defaults. Two dimensions are not config: the idle time of a connection
 * follows from the load balancer (the ALB's fixed 60 s, edge.ts; behind an NLB the collector's
 * keep-alive, collector/keep-alive.ts) and the certificate is whatever `certificateArn` names or
 * `managedCertificate` issues — `small` is priced for an EC_prime256v1 certificate as ACM issues
 * it, `scale` for the managed short chain (its hosted zone and domain are the user's to give).
 */
import { estimate } from '../lib/cost/model.ts';
import { PRESET_NAMES, PRESETS, type PresetName, type StackShape } from '../lib/cost/presets.ts';

export { PRESET_NAMES, type PresetName };

/** The ceiling of a preset whose collectors scale on request count (prod's; the model prices what runs, not the ceiling). */
export const SCALING_MAX_COLLECTORS = 12;

export const isPresetName = (v: unknown): v is PresetName =>
  typeof v === 'string' && (PRESET_NAMES as string[]).includes(v);

/** The stack-config keys (raw, as in `Pulumi.<stack>.yaml`) that `preset` sets. */
export function presetConfig(name: PresetName): Record<string, unknown> {
  const s = PRESETS[name] as StackShape;
  const c = s.collector;
  const instanceType = c.instanceType.replace(/^ec2\./, '');
  return {
    loadBalancer: s.loadBalancer,
    waf: s.waf,
    routeApiThroughCdn: s.ingestThroughCdn,
    beaconCdn: s.beaconFrom === 'cdn',
    interfaceEndpoints: [...s.endpoints.services],
    singleAzEndpoints: !s.endpoints.perAz,
    collector: {
      instanceType,
      architecture: /^[a-z]+\d+g[a-z]*\./.test(instanceType) ? 'arm64' : 'x86_64',
      minSize: c.minSize,
      desiredCapacity: c.minSize,
      maxSize: c.targetRequestsPerSecond > 0 ? Math.max(c.minSize, SCALING_MAX_COLLECTORS) : c.minSize,
      spoolVolumeGiB: c.spoolVolumeGiB,
      // Both scaling metrics count a minute (ALBRequestCountPerTarget, the collector's request
      // count per instance); the shape's target is per second.
      targetRequestsPerInstance: Math.round(c.targetRequestsPerSecond * 60),
      publicIp: c.publicIp,
    },
    streamMode: s.stream.mode,
    streamShardMetrics: s.stream.shardLevelMetrics > 0,
    streamRetentionHours: s.stream.retentionHours,
    transformer: { ...s.transformer },
    aurora: {
      minCapacity: s.aurora.minCapacity,
      instances: s.aurora.instances,
      readersFollowWriter: s.aurora.readersFollowWriter,
    },
    hitsStorageClass: s.lake.hitsStorage,
    rawStandardDays: s.lake.rawStandardDays,
    rawIaDays: s.lake.rawIaDays,
    rawExpireDays: s.lake.rawExpireDays,
    noncurrentVersionExpireDays: s.lake.noncurrentVersionExpireDays,
    logRetentionDays: s.logRetentionDays,
  };
}

/**
 * Provisioned shards for `preset` at a sustained `hitsPerSecond`: the cost model's own count
 * (records a second after group commit, bytes a record, sized to its shard utilisation), at least 1.
 */
export function shardsFor(preset: PresetName, hitsPerSecond: number): number {
  return estimate({ preset, hitsPerSecond, region: 'us-east-1' }).traffic.shards;
}
