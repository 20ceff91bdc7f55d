interface Slot<V> {
  running: Promise<V>;
  /** The load the calls that arrived during `running` wait for; it starts when `running` settles. */
  next?: Promise<V>;
}

/**
 * Runs at most one load per key at a time; calls that arrive while it runs share the next one, started once it ends.
 * Every caller thus gets a result read after it arrived — as fresh as loading alone, so a write that completed before
 * the call is always seen — while a burst of identical calls costs one load per round of the database, not one each.
 * (Joining the load already running would be cheaper but could answer with data read before the call arrived.)
 */
export class Coalescer<V> {
  private readonly slots = new Map<string, Slot<V>>();

  run(key: string, load: () => Promise<V>): Promise<V> {
    const slot = this.slots.get(key);
    if (!slot) {
      const fresh = {} as Slot<V>;
      this.slots.set(key, fresh);
      return this.launch(key, fresh, load);
    }
    slot.next ??= settled(slot.running).then(() => {
      slot.next = undefined;
      return this.launch(key, slot, load);
    });
    return slot.next;
  }

  /** Keys with a load running (for tests). */
  get size(): number {
    return this.slots.size;
  }

  private launch(key: string, slot: Slot<V>, load: () => Promise<V>): Promise<V> {
    const running = Promise.resolve().then(load);
    slot.running = running;
    void settled(running).then(() => {
      if (slot.running === running && !slot.next) this.slots.delete(key);
    });
    return running;
  }
}

function settled(promise: Promise<unknown>): Promise<void> {
  return promise.then(
    () => undefined,
    () => undefined,
  );
}
