import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, it } from "node:test";
import type { SerumsError } from "../../errors/index.ts";
import { tinyPng } from "../keys/key-test-fixtures.ts";
import { MAX_IMAGE_BYTES, validateImage } from "./image-validation.ts";

const svg = (body: string) =>
  new TextEncoder().encode(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 72 72">${body}</svg>`);

const rejects = (bytes: Uint8Array, pattern: RegExp, declared?: string) =>
  assert.throws(
    () => validateImage("pic.svg", bytes, declared),
    (e: SerumsError) => e.code === "BAD_REQUEST" && e.where.file === "pic.svg" && pattern.test(e.message),
  );

describe("image validation", () => {
  it("accepts a PNG and a static SVG, by their bytes, with a content hash", () => {
    const png = validateImage("a.png", tinyPng("a"));
    assert.equal(png.contentType, "image/png");
    assert.match(png.sha256, /^[0-9a-f]{64}$/);
    const drawing = validateImage(
      "b.svg",
      svg('<circle cx="36" cy="36" r="20" fill="#fcea2b"/><use href="#c"/>'),
    );
    assert.equal(drawing.contentType, "image/svg+xml");
    const withProlog = new TextEncoder().encode(
      '\uFEFF<?xml version="1.0"?>\n<!-- made by hand -->\n<svg xmlns="http://www.w3.org/2000/svg"></svg>',
    );
    assert.equal(validateImage("c.svg", withProlog).contentType, "image/svg+xml");
  });

  it("accepts OpenMoji's own SVGs", () => {
    const dir = path.dirname(createRequire(import.meta.url).resolve("openmoji/package.json"));
    for (const hex of ["1F600", "1F3F0", "1F1EA-1F1FA"]) {
      const bytes = readFileSync(path.join(dir, "color", "svg", `${hex}.svg`));
      assert.equal(validateImage(hex, bytes).contentType, "image/svg+xml");
    }
  });

  it("rejects SVGs with scripts, handlers, javascript: URLs and external references", () => {
    rejects(svg("<script>alert(1)</script>"), /<script>/);
    rejects(svg("<SCRIPT src=x></SCRIPT>"), /<script>/);
    rejects(svg('<rect onload="alert(1)"/>'), /event-handler/);
    rejects(svg('<rect\nonclick = "x()"/>'), /event-handler/);
    rejects(svg('<a href="javascript:alert(1)"><rect/></a>'), /javascript:/);
    rejects(svg('<a href="&#106;avascript:alert(1)"><rect/></a>'), /javascript:/);
    rejects(
      svg('<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>'),
      /foreignObject/,
    );
    rejects(svg('<image href="https://tracker.example/p.png"/>'), /links to "https:\/\/tracker/);
    rejects(svg('<use xlink:href="other.svg#x"/>'), /links to/);
    rejects(svg('<rect style="fill:url(https://x.example/f)"/>'), /external resource/);
    rejects(svg("<style>@import url(x.css);</style>"), /imports a stylesheet/);
    rejects(svg('<set attributeName="href" to="x"/>'), /animates a link/);
    rejects(
      new TextEncoder().encode('<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"/>'),
      /DOCTYPE/,
    );
    rejects(svg("<iframe/>"), /embeds/);
  });

  it("rejects other types, empty and oversized files, absurd PNGs and lying content types", () => {
    rejects(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), /not a PNG or an SVG/);
    rejects(new TextEncoder().encode("<html><body>hi</body></html>"), /not a PNG or an SVG/);
    rejects(new Uint8Array(), /is empty/);
    const big = new Uint8Array(MAX_IMAGE_BYTES + 1);
    big.set(tinyPng("big"));
    rejects(big, /at most 524288 bytes/);
    rejects(tinyPng("huge", 100_000, 10), /100000×10 pixels/);
    rejects(tinyPng("zero", 0, 10), /0×10 pixels/);
    rejects(tinyPng("truncated").subarray(0, 20), /not a well-formed PNG/);
    rejects(tinyPng("png"), /declared "image\/svg\+xml" but its bytes are image\/png/, "image/svg+xml");
  });
});
