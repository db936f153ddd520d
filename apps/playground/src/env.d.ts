/** A per-build tag, defined in vite.config.ts: busts caches of the fixed-name worker entry. */
declare const __BATON_BUILD__: string;
