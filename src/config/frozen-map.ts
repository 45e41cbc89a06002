/** A Map that refuses changes once built: the loaded config is immutable. */
const sealed = new WeakSet<Map<unknown, unknown>>();

export class FrozenMap<K, V> extends Map<K, V> {
  constructor(entries: Iterable<readonly [K, V]>) {
    super(entries);
    sealed.add(this);
  }

  override set(key: K, value: V): this {
    if (sealed.has(this)) throw new TypeError('the config is immutable');
    return super.set(key, value);
  }

  override delete(): boolean {
    throw new TypeError('the config is immutable');
  }

  override clear(): void {
    throw new TypeError('the config is immutable');
  }
}
