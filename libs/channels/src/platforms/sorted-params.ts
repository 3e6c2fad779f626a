/**
 * The string Taobao (TOP) and Pinduoduo sign: every parameter but `sign`, sorted by name, as name+value
 * concatenated. Each platform then hashes it its own way.
 */
export function sortedParamString(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign')
    .sort()
    .map((k) => `${k}${params[k]}`)
    .join('');
}
