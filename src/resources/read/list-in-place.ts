/**
 * A list field of a kind that comes by the thousand (EndpointSlices, Pods), read item by item in
 * place: the list itself when every item reads to itself (nothing allocated), else a copy of the
 * items' readings without the items that read to nothing (undefined). Like `sameOrCopy`, which
 * keeps every item, for lists where an item that does not read is simply none.
 */
export function listInPlace<R>(value: unknown, read: (item: unknown) => R | undefined): readonly R[] | undefined {
  if (!Array.isArray(value)) return undefined;
  let out: R[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const r = read(value[i]);
    if (out) {
      if (r !== undefined) out.push(r);
    } else if (r !== value[i] || r === undefined) {
      out = value.slice(0, i) as R[];
      if (r !== undefined) out.push(r);
    }
  }
  return out ?? (value as R[]);
}
