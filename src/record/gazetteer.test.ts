import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SerumsError } from "../errors/index.ts";
import { parseGazetteer, placeKey } from "./gazetteer.ts";

describe("placeKey", () => {
  it("normalises UK postcodes", () => {
    assert.equal(placeKey("postcode", "eh42xu"), "EH4 2XU");
    assert.equal(placeKey("postcode", " eh4  2xu "), "EH4 2XU");
    assert.equal(placeKey("postcode", "EH4 2XU"), "EH4 2XU");
    assert.equal(placeKey("postcode", "e h 4 2 x u"), "EH4 2XU");
    assert.equal(placeKey("postcode", "sw1a1aa"), "SW1A 1AA");
    assert.equal(placeKey("postcode", "m11ae"), "M1 1AE");
    assert.equal(placeKey("postcode", "gir0aa"), "GIR 0AA");
    assert.equal(placeKey("postcode", "eh4"), "EH4");
    assert.equal(placeKey("postcode", "EH 4"), "EH4");
    assert.equal(placeKey("postcode", "08036 barcelona"), "08036 BARCELONA");
  });

  it("trims, collapses whitespace and upper-cases other kinds", () => {
    assert.equal(
      placeKey("site", "  Western General  Hospital,\tEdinburgh "),
      "WESTERN GENERAL HOSPITAL, EDINBURGH",
    );
    assert.equal(placeKey("site", "eh42xu"), "EH42XU");
    assert.equal(placeKey("address", "1 Crewe Road\nEdinburgh"), "1 CREWE ROAD EDINBURGH");
  });
});

describe("parseGazetteer", () => {
  it("reads places, normalising keys, with optional altitude and kind", () => {
    const places = parseGazetteer(
      'key,latitude,longitude,altitude\neh42xu,55.9621,-3.2348,40\n"Western General Hospital, Edinburgh",55.962,-3.234,\n\nEH16 4SA,55.921,-3.136,70\n',
      "gazetteer.csv",
    );
    assert.deepEqual(places.get("EH4 2XU"), { latitude: 55.9621, longitude: -3.2348, altitude: 40 });
    assert.deepEqual(places.get("WESTERN GENERAL HOSPITAL, EDINBURGH"), {
      latitude: 55.962,
      longitude: -3.234,
      altitude: null,
    });
    assert.equal(places.get("EH16 4SA")!.altitude, 70);
    assert.equal(places.size, 3);
    const kinds = parseGazetteer(
      "Key,Latitude,Longitude,Kind\nab12cd,57.1,-2.1,site\nab12cd,57.1,-2.1,postcode\n",
      "g.csv",
    );
    assert.deepEqual([...kinds.keys()], ["AB12CD", "AB1 2CD"]);
    assert.equal(kinds.get("AB12CD")!.altitude, null);
  });

  it("accepts the same place twice with the same coordinates", () => {
    assert.equal(
      parseGazetteer("key,latitude,longitude\nEH4 2XU,55.9,-3.2\neh42xu,55.9,-3.2\n", "g.csv").size,
      1,
    );
  });

  function assertBadGazetteer(
    text: string,
    line: number,
    column: string | undefined,
    value: unknown,
    message: string,
  ): void {
    assert.throws(
      () => parseGazetteer(text, "gazetteer.csv"),
      (e: unknown) => {
        assert.ok(e instanceof SerumsError);
        assert.equal(e.code, "BAD_MAPPING");
        assert.equal(e.where.file, "gazetteer.csv");
        assert.equal(e.where.line, line);
        assert.equal(e.where.column, column);
        assert.deepEqual(e.where.value, value);
        assert.equal(
          e.message,
          `gazetteer.csv line ${line}${column === undefined ? "" : `, column ${column}`}: ${message}`,
        );
        return true;
      },
    );
  }

  it("refuses bad headers, coordinates, keys and conflicting duplicates", () => {
    assertBadGazetteer(
      "",
      1,
      undefined,
      undefined,
      "the gazetteer is empty; it needs a header key,latitude,longitude,altitude",
    );
    assertBadGazetteer(
      "key,lat,lon\nEH4 2XU,55.9,-3.2\n",
      1,
      undefined,
      ["key", "lat", "lon"],
      "the header has no latitude column; a gazetteer has columns key, latitude, longitude, altitude (and optionally kind)",
    );
    assertBadGazetteer(
      "key,latitude,longitude\nEH4 2XU,95,-3.2\n",
      2,
      "latitude",
      "95",
      '"95" is not a latitude: decimal degrees from -90 to 90',
    );
    assertBadGazetteer(
      "key,latitude,longitude\nEH4 2XU,55.9,east\n",
      2,
      "longitude",
      "east",
      '"east" is not a longitude: decimal degrees from -180 to 180',
    );
    assertBadGazetteer("key,latitude,longitude\n,55.9,-3.2\n", 2, "key", "", "a place needs a key");
    assertBadGazetteer(
      "key,latitude,longitude\nEH4 2XU,,-3.2\n",
      2,
      "latitude",
      "",
      "a place needs a latitude",
    );
    assertBadGazetteer(
      "key,latitude,longitude\nEH4 2XU,55.9\n",
      2,
      "longitude",
      "",
      "a place needs a longitude",
    );
    assertBadGazetteer(
      "key,latitude,longitude,altitude\nEH4 2XU,55.9,-3.2,high\n",
      2,
      "altitude",
      "high",
      '"high" is not an altitude: metres from -11000 to 9000',
    );
    assertBadGazetteer(
      "key,latitude,longitude\nEH4 2XU,55.9,-3.2\n\neh42xu,55.8,-3.2\n",
      4,
      "key",
      "eh42xu",
      '"EH4 2XU" is already on line 2 with other coordinates',
    );
    assert.throws(
      () => parseGazetteer('key,latitude,longitude\n"EH4 2XU,55.9,-3.2\n', "gazetteer.csv"),
      (e: unknown) =>
        e instanceof SerumsError &&
        e.code === "BAD_MAPPING" &&
        e.where.file === "gazetteer.csv" &&
        typeof e.where.line === "number" &&
        e.message.startsWith(`gazetteer.csv line ${e.where.line}: not valid CSV: `),
    );
  });
});
