// Pure (no Node or framework import): the operations console's bundle uses it too.
export { csvCell, toCsv } from './csv-cell';
