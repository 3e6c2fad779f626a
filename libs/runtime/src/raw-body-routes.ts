/**
 * The paths (as routed, e.g. `/v1/webhooks/orders`) whose handler reads the request body itself. No body parser
 * touches them, so the handler sees the bytes as sent (signed webhooks are verified over them) and checks size
 * and content type before anything is buffered. Every app has one (PlatformModule provides it), so startApp can
 * ask for it without a lookup that fails — and gets logged as an error — in apps that have no such route.
 */
export class RawBodyRoutes {
  private readonly paths = new Set<string>();

  add(path: string): readonly string[] {
    this.paths.add(path);
    return [...this.paths];
  }

  list(): readonly string[] {
    return [...this.paths];
  }
}
