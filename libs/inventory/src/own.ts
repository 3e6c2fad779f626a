/** Reads a record by a key that comes from outside ("__proto__", "constructor" are valid ids there). */
export function own<V>(record: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
