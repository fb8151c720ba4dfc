/**
 * The enrolment link and its QR codes. uqr has no decoder, so the SVG is read back module by
 * module (it must be exactly uqr's grammar: a white square and one path of dark squares) and
 * compared with `encode(link)`'s matrix; the terminal rendering is read back the same way.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encode } from "uqr";
import { SerumsError } from "../../errors/index.ts";
import {
  COMPANION_PAGE_PATH,
  enrolmentLink,
  parseEnrolmentText,
  qrModules,
  qrSvg,
  qrTerminal,
  SVG_QR_OPTIONS,
  TERMINAL_QR_OPTIONS,
} from "./enrolment-link.ts";

/**
 * Reads an SVG made of one background rect and one path of equal squares back into modules;
 * throws when the document is anything else (another element, an attribute, a script, a stray
 * character), so a pass also means the document is well-formed and inert.
 */
function svgModules(svg: string): boolean[][] {
  const document =
    /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 (\d+) (\d+)"><rect fill="white" width="\1" height="\2"\/><path fill="black" d="([^"]*)"\/><\/svg>$/.exec(
      svg,
    );
  if (!document) throw new Error(`not the expected SVG: ${svg.slice(0, 160)}`);
  const width = Number(document[1]);
  const squares = document[3]!;
  const first = /^M\d+,\d+h(\d+)v/.exec(squares);
  if (!first) throw new Error("no squares in the path");
  const pixel = Number(first[1]);
  const size = width / pixel;
  assert.ok(Number.isInteger(size), "the width is a whole number of modules");
  const modules = Array.from({ length: size }, () => Array<boolean>(size).fill(false));
  const square = new RegExp(`M(\\d+),(\\d+)h${pixel}v${pixel}h-${pixel}z`, "y");
  let at = 0;
  while (at < squares.length) {
    square.lastIndex = at;
    const m = square.exec(squares);
    if (!m) throw new Error(`unexpected path data at ${at}: ${squares.slice(at, at + 30)}`);
    const x = Number(m[1]) / pixel;
    const y = Number(m[2]) / pixel;
    assert.ok(Number.isInteger(x) && Number.isInteger(y) && x < size && y < size, "squares on the grid");
    modules[y]![x] = true;
    at = square.lastIndex;
  }
  return modules;
}

/** Reads uqr's compact terminal rendering back (█ both light, ▀ light over dark, ▄ dark over light, space both dark). */
function terminalModules(text: string, size: number): boolean[][] {
  const modules = Array.from({ length: size }, () => Array<boolean>(size).fill(true));
  const lines = text.split("\n");
  assert.equal(lines.length, Math.ceil(size / 2));
  lines.forEach((line, i) => {
    assert.equal([...line].length, size);
    [...line].forEach((c, x) => {
      const [top, bottom] =
        { "█": [false, false], "▀": [false, true], "▄": [true, false], " ": [true, true] }[c] ?? [];
      assert.ok(top !== undefined, `unexpected character ${JSON.stringify(c)}`);
      modules[2 * i]![x] = top!;
      if (2 * i + 1 < size) modules[2 * i + 1]![x] = bottom!;
    });
  });
  return modules;
}

describe("enrolment link", () => {
  const code = "7k3m-9qx2-hv4t-8dpa";

  it("points at the companion page with the code in the fragment, and reads back", () => {
    const link = enrolmentLink("https://serums.example.org", code);
    assert.equal(link, `https://serums.example.org${COMPANION_PAGE_PATH}#enrol=${code}`);
    const url = new URL(link);
    assert.equal(url.search, "", "the code is never in the part sent to a server");
    assert.deepEqual(parseEnrolmentText(link), { code, server: "https://serums.example.org" });
    assert.deepEqual(parseEnrolmentText(`  ${link}\n`), { code, server: "https://serums.example.org" });
    assert.deepEqual(
      parseEnrolmentText(
        `serums-authenticator://enrol?server=${encodeURIComponent("https://a.example")}&code=${code}`,
      ),
      { code, server: "https://a.example" },
    );
    assert.deepEqual(parseEnrolmentText(code), { code, server: undefined });
    assert.equal(
      enrolmentLink("http://127.0.0.1:8080/", code),
      `http://127.0.0.1:8080/app/authenticator/#enrol=${code}`,
    );
  });

  it("refuses links without a code", () => {
    for (const text of [
      "https://serums.example.org/app/authenticator/",
      "https://serums.example.org/app/authenticator/#other=1",
      "serums-authenticator://enrol?server=https%3A%2F%2Fa.example",
      "https://[bad",
    ]) {
      assert.throws(
        () => parseEnrolmentText(text),
        (e) => e instanceof SerumsError && e.code === "BAD_USAGE",
        text,
      );
    }
  });
});

describe("enrolment QR codes", () => {
  const link = enrolmentLink("https://serums.example.org", "7k3m-9qx2-hv4t-8dpa");

  it("draws in SVG exactly the modules of the link's QR code, quiet zone included", () => {
    const svg = qrSvg(link);
    const drawn = svgModules(svg);
    assert.deepEqual(drawn, encode(link, SVG_QR_OPTIONS).data);
    assert.deepEqual(drawn, qrModules(link));
    const { size, version } = encode(link, SVG_QR_OPTIONS);
    assert.equal(drawn.length, size);
    assert.equal(size, 17 + 4 * version + 2 * 4, "version's size plus a four-module quiet zone");
    for (const edge of [
      drawn[0]!,
      drawn.at(-1)!,
      drawn.map((row) => row[0]),
      drawn.map((row) => row.at(-1)),
    ]) {
      assert.ok(
        edge.every((dark) => !dark),
        "the quiet zone is light",
      );
    }
    // Another link gives another drawing: the SVG really carries this link.
    assert.notDeepEqual(svgModules(qrSvg(`${link}x`)), drawn);
  });

  it("is inert: no script, event handler, link or external reference", () => {
    const svg = qrSvg(link);
    assert.doesNotMatch(svg, /<script|on[a-z]+=|href|javascript:|<foreignObject|url\(/i);
    assert.ok(!svg.includes(link) && !svg.includes("7k3m"), "the code is in the modules only");
  });

  it("prints the same code for a terminal, two module rows per line", () => {
    const text = qrTerminal(link);
    const { size, data } = encode(link, TERMINAL_QR_OPTIONS);
    assert.deepEqual(terminalModules(text, size), data);
    assert.throws(() => terminalModules(text, size + 1));
  });
});
