/**
 * A kind's reader, run once per spec object. Objects are never changed in place (a change is a
 * new object), so the spec object's identity stands for its content: an unchanged object, or one
 * whose status alone was replaced (same spec object), is not read again. The ResourceSet builders
 * read each object they take in (`readInput`), which is where the work is done; the translator's
 * call then finds the result.
 */
export interface SpecReader<V> {
  (object: { spec?: unknown }): V;
}

export function readOnce<V>(read: (spec: unknown) => V): SpecReader<V> {
  const results = new WeakMap<object, V>();
  return (object) => {
    const spec = object.spec;
    // A spec that is not an object is malformed, and reading it is immediate.
    if (typeof spec !== 'object' || spec === null) return read(spec);
    let result = results.get(spec);
    if (result === undefined) results.set(spec, (result = read(spec)));
    return result;
  };
}
