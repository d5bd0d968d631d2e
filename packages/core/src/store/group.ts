/**
 * Splits `items`, in order, into runs of at most `maxCount` items and `maxBytes` bytes (an item
 * larger than `maxBytes` gets a run of its own). Hash batches and packs are both cut this way.
 */
export function groupBySize<T extends { size: number }>(
  items: readonly T[],
  maxBytes: number,
  maxCount: number,
): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (current.length > 0 && (current.length >= maxCount || bytes + item.size > maxBytes)) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
