import fc from 'fast-check';
import { csvCell, toCsv } from './csv-cell';

/** RFC 4180 reading of one cell, as a spreadsheet does before it looks at the first character. */
const unquote = (cell: string) => (cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell);

describe('CSV export cells', () => {
  it.each([
    ['=HYPERLINK("http://evil","x")', `"'=HYPERLINK(""http://evil"",""x"")"`],
    ['+1+cmd|/c calc', "'+1+cmd|/c calc"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
  ])('given the cell %j, a spreadsheet gets text, never a formula: %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it.each([
    [-5, '-5'],
    ['-12', '-12'],
    ['-0.5', '-0.5'],
    [42, '42'],
    [null, ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['steam-50', 'steam-50'],
  ])('leaves %j as %j (numbers stay numbers)', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('property: a cell reads back as the value, or the value behind one quote mark, and never starts a formula', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.constantFrom('=', '+', '-', '@', '\t', '\r').chain((c) => fc.string().map((s) => c + s)),
        ),
        (value) => {
          const read = unquote(csvCell(value));
          expect([value, `'${value}`]).toContain(read);
          if (!/^-?\d+(\.\d+)?$/.test(value)) expect(read).not.toMatch(/^[=+\-@\t\r]/);
        },
      ),
    );
  });

  it('writes the header and one escaped row per item', () => {
    const columns = [
      'channel',
      'sku',
      'class',
      'listed',
      'target',
      'target_version',
      'action',
      'note',
    ] as const;
    const csv = toCsv(columns, [
      {
        channel: 'shop',
        sku: '=cmd',
        class: 'edited_on_platform',
        listed: 3,
        target: 5,
        target_version: 7,
        action: 'corrected',
        note: '@note',
      },
    ]);
    expect(csv).toBe(
      "channel,sku,class,listed,target,target_version,action,note\r\nshop,'=cmd,edited_on_platform,3,5,7,corrected,'@note\r\n",
    );
  });
});
