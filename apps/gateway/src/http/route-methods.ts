const ROUTE_METHOD_LIMIT = 8;

/** Minimal view of an Express 5 router layer, read defensively because it is not a typed public API. */
interface RouteLayer {
  route?: { methods?: Record<string, boolean> };
  match?: (path: string) => unknown;
}

/**
 * Builds the lookup the exception filter uses to tell 405 from 404: which methods other routes accept on a path.
 * `expressApp` is the Express instance behind Nest (`app.getHttpAdapter().getInstance()`).
 */
export function allowedMethodsFrom(expressApp: unknown): (path: string) => string[] {
  return (path: string): string[] => {
    const router = (expressApp as { router?: { stack?: RouteLayer[] } } | undefined)?.router;
    const methods = new Set<string>();
    for (const layer of router?.stack ?? []) {
      if (!layer.route?.methods || typeof layer.match !== 'function') continue;
      const entries = Object.entries(layer.route.methods);
      // Routes registered with all() are Nest middleware bindings, not API routes.
      if (entries.length > ROUTE_METHOD_LIMIT) continue;
      if (!layer.match(path)) continue;
      for (const [method, on] of entries) {
        if (on && method !== '_all') methods.add(method.toUpperCase());
      }
    }
    return [...methods].sort();
  };
}
