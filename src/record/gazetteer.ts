/**
 * Places: the normalised key of a place (`placeKey`), and the gazetteer CSV of a mapping that
 * gives places their coordinates.
 */
import { parse as parseCsv } from "csv-parse/sync";
import { SerumsError, showValue } from "../errors/index.ts";
import type { Coordinates } from "./mapping-types.ts";

const FULL_POSTCODE = /^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$/;
const POSTCODE_DISTRICT = /^[A-Z]{1,2}[0-9][A-Z0-9]?$/;
const SPACES = /\s+/g;

/**
 * The normalised key of a place, as stored and as looked up in the gazetteer. Postcodes: upper
 * case, with one space before the inward code of a full UK postcode ("eh42xu" → "EH4 2XU") and
 * none in a district alone ("eh 4" → "EH4"). Other kinds: trimmed, whitespace collapsed, upper case.
 */
export function placeKey(kind: string, raw: string): string {
  const text = raw.trim().replace(SPACES, " ").toUpperCase();
  if (kind !== "postcode") return text;
  const compact = text.replaceAll(" ", "");
  if (compact === "GIR0AA") return "GIR 0AA";
  const full = FULL_POSTCODE.exec(compact);
  if (full !== null) return `${full[1]} ${full[2]}`;
  return POSTCODE_DISTRICT.test(compact) ? compact : text;
}

function gazetteerError(
  file: string,
  line: number,
  column: string | undefined,
  message: string,
  value?: unknown,
): never {
  const where = column === undefined ? `${file} line ${line}` : `${file} line ${line}, column ${column}`;
  throw new SerumsError("BAD_MAPPING", `${where}: ${message}`, { file, line, column, value });
}

/**
 * Reads a gazetteer CSV: a header with key, latitude and longitude, and optionally altitude (metres)
 * and kind (how to normalise the key; default: as a postcode, which leaves other keys as a site's
 * would be). Keys are normalised with `placeKey`. Throws SerumsError BAD_MAPPING naming the line.
 */
export function parseGazetteer(text: string, file: string): Map<string, Coordinates> {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      info: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as never;
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    return gazetteerError(file, line, undefined, `not valid CSV: ${(error as Error).message}`);
  }
  const header = records[0];
  if (header === undefined)
    return gazetteerError(
      file,
      1,
      undefined,
      "the gazetteer is empty; it needs a header key,latitude,longitude,altitude",
    );
  const names = header.record.map((name) => name.trim().toLowerCase());
  const index = (name: string) => names.indexOf(name);
  for (const name of ["key", "latitude", "longitude"]) {
    if (index(name) < 0) {
      gazetteerError(
        file,
        header.info.lines,
        undefined,
        `the header has no ${name} column; a gazetteer has columns key, latitude, longitude, altitude (and optionally kind)`,
        header.record,
      );
    }
  }
  const [keyAt, latitudeAt, longitudeAt, altitudeAt, kindAt] = [
    "key",
    "latitude",
    "longitude",
    "altitude",
    "kind",
  ].map(index);
  const places = new Map<string, Coordinates>();
  const firstLine = new Map<string, number>();
  const number = (
    cells: string[],
    at: number,
    line: number,
    column: string,
    min: number,
    max: number,
    what: string,
  ): number | null => {
    const raw = (cells[at] ?? "").trim();
    if (raw === "") return null;
    const value = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(value >= min && value <= max))
      gazetteerError(file, line, column, `${showValue(raw)} is not ${what}`, raw);
    return value;
  };
  for (const { record: cells, info } of records.slice(1)) {
    const line = info.lines;
    const raw = (cells[keyAt!] ?? "").trim();
    if (raw === "") gazetteerError(file, line, "key", "a place needs a key", cells[keyAt!] ?? "");
    const kind = kindAt! >= 0 && (cells[kindAt!] ?? "").trim() !== "" ? cells[kindAt!]!.trim() : "postcode";
    const key = placeKey(kind, raw);
    const latitude = number(
      cells,
      latitudeAt!,
      line,
      "latitude",
      -90,
      90,
      "a latitude: decimal degrees from -90 to 90",
    );
    const longitude = number(
      cells,
      longitudeAt!,
      line,
      "longitude",
      -180,
      180,
      "a longitude: decimal degrees from -180 to 180",
    );
    if (latitude === null) gazetteerError(file, line, "latitude", "a place needs a latitude", "");
    if (longitude === null) gazetteerError(file, line, "longitude", "a place needs a longitude", "");
    const altitude =
      altitudeAt! >= 0
        ? number(
            cells,
            altitudeAt!,
            line,
            "altitude",
            -11_000,
            9_000,
            "an altitude: metres from -11000 to 9000",
          )
        : null;
    const place = { latitude, longitude, altitude };
    const known = places.get(key);
    if (known !== undefined) {
      if (known.latitude !== latitude || known.longitude !== longitude || known.altitude !== altitude) {
        gazetteerError(
          file,
          line,
          "key",
          `${showValue(key)} is already on line ${firstLine.get(key)} with other coordinates`,
          raw,
        );
      }
      continue;
    }
    places.set(key, place);
    firstLine.set(key, line);
  }
  return places;
}
