import { writeFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import * as ExcelJS from 'exceljs';

export type Cell = string | number | boolean | null;

/**
 * An .xlsx file of `rows` on a first worksheet (and optional further sheets), written by exceljs's streaming
 * writer. `rows` may skip a row number: a `null` entry in the array leaves that row out of the sheet.
 */
export async function writeXlsx(
  path: string,
  rows: (Cell[] | null)[],
  options: { sharedStrings?: boolean; sheets?: { name: string; rows: Cell[][] }[]; firstName?: string } = {},
): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: path,
    useSharedStrings: options.sharedStrings ?? true,
    useStyles: false,
  });
  const sheet = workbook.addWorksheet(options.firstName ?? 'keys');
  rows.forEach((cells, i) => {
    if (cells) sheet.getRow(i + 1).values = cells;
    if (cells) sheet.getRow(i + 1).commit();
  });
  sheet.commit();
  for (const extra of options.sheets ?? []) {
    const other = workbook.addWorksheet(extra.name);
    for (const cells of extra.rows) other.addRow(cells).commit();
    other.commit();
  }
  await workbook.commit();
}

export interface ZipPart {
  name: string;
  data: Buffer;
  /** 0 stored, 8 deflated (default). */
  method?: number;
  /** General-purpose flags (bit 0: encrypted). */
  flags?: number;
  /** Already deflated data standing for `data`'s length in the header (a bomb without allocating what it unpacks to). */
  deflated?: { body: Buffer; size: number };
}

/** A zip archive built by hand, for archives no spreadsheet program would write (bombs, odd parts). */
export function zipOf(parts: ZipPart[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    const method = part.method ?? 8;
    const body = part.deflated?.body ?? (method === 8 ? deflateRawSync(part.data) : part.data);
    const size = part.deflated?.size ?? part.data.length;
    const name = Buffer.from(part.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(part.flags ?? 0, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(0, 14); // CRC: unzipper's streaming parser does not check it
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(part.flags ?? 0, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The parts an archive needs to pass for a workbook: a workbook part and a worksheet. */
export const WORKBOOK_PARTS: ZipPart[] = [
  { name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') },
  { name: 'xl/worksheets/sheet1.xml', data: Buffer.from('<worksheet/>') },
];

export function writeZip(path: string, parts: ZipPart[]): void {
  writeFileSync(path, zipOf(parts));
}

/** A zip bomb: parts of zeros that unpack to `parts` × 16 MiB from a few kilobytes each. */
export function zipBomb(parts: number): Buffer {
  const size = 16 * 2 ** 20;
  const body = deflateRawSync(Buffer.alloc(size), { level: 9 });
  return zipOf([
    ...WORKBOOK_PARTS,
    ...Array.from({ length: parts }, (_, i) => ({
      name: `xl/worksheets/sheet${i + 2}.xml`,
      data: Buffer.alloc(0),
      deflated: { body, size },
    })),
  ]);
}
