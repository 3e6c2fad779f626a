/**
 * Wakes pollers early when this process appends. Polling stays the source of truth: LISTEN/NOTIFY does not
 * reach other connections on the embedded engine, and appends from other processes are only seen by polling.
 */
export class WakeSignal {
  private generationCounter = 0;
  private readonly listeners = new Set<() => void>();

  /** Changes on every notify, so a poller can tell that it missed one while it was busy reading. */
  get generation(): number {
    return this.generationCounter;
  }

  notify(): void {
    this.generationCounter += 1;
    for (const listener of [...this.listeners]) listener();
  }

  /** Returns the function that removes the listener. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
