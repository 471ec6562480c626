/** The console's `apps` over an `AppRegistry`: the registry's objects in the console's JSON shape. */
import { appJson, parseNewApp } from '../cli/local/apps-admin.ts';
import type { AppRegistry } from '../collector/registry/registry.ts';
import type { ConsoleApps } from './source.ts';

export function registryApps(registry: AppRegistry): ConsoleApps {
  return {
    async page(q) {
      const r = await registry.page(q);
      return { apps: r.apps.map(appJson), total: r.total };
    },
    async get(appId) {
      const app = await registry.get(appId);
      return app ? appJson(app) : null;
    },
    async create(args) {
      const { app, writeKey } = await registry.create(parseNewApp(args));
      return { ...appJson(app), write_key: writeKey };
    },
    async update(appId, changes) {
      const app = await registry.update(appId, {
        origins: changes.allowed_origins,
        botPolicy: changes.bot_policy,
      });
      return app ? appJson(app) : null;
    },
    disable: (appId) => registry.disable(appId),
    enable: (appId) => registry.enable(appId),
    rotateKey: (appId) => registry.rotateKey(appId),
  };
}
