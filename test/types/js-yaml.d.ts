// js-yaml ships no types of its own; the compose check needs only `load`.
declare module 'js-yaml' {
  export function load(text: string): unknown;
}
