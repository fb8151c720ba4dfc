import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../main.ts");

function serums(args: string[]) {
  const result = spawnSync(process.execPath, [MAIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: "", SERUMS_DB: "" },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("serums images", () => {
  let dir: string;
  let db: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "serums-images-cli-"));
    db = path.join(dir, "serums.db");
    mkdirSync(path.join(dir, "site"));
    writeFileSync(
      path.join(dir, "site", "loch.svg"),
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="3" height="1"/></svg>',
    );
    writeFileSync(
      path.join(dir, "site", "tags.csv"),
      'file,tags,title\nloch.svg,"loch; scotland",Loch Ness\n',
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("adds a site's images and finds them, with OpenMoji's, for a secret", () => {
    const added = serums([
      "images",
      "add",
      path.join(dir, "site"),
      "--tags",
      path.join(dir, "site", "tags.csv"),
      "--db",
      db,
    ]);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Added 1 image/);
    const suggested = serums([
      "images",
      "suggest",
      "--secret",
      "Our trip to a loch in Scotland",
      "--json",
      "--db",
      db,
    ]);
    assert.equal(suggested.code, 0, suggested.stderr);
    const body = JSON.parse(suggested.stdout);
    assert.deepEqual(body.terms, ["trip", "loch", "scotland"]);
    assert.equal(body.images[0].title, "Loch Ness");
    assert.ok(
      body.images.some(
        (i: { title: string; licence?: string }) =>
          i.title === "flag: Scotland" && i.licence === "CC BY-SA 4.0",
      ),
    );
  });

  it("shows an image and writes its bytes", () => {
    const out = path.join(dir, "castle.svg");
    const shown = serums(["images", "show", "openmoji-1F3F0", "--out", out, "--db", db]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /castle/);
    assert.match(shown.stdout, /CC BY-SA 4\.0/);
    assert.match(readFileSync(out, "utf8"), /^<svg/);
    assert.equal(
      serums(["images", "show", "openmoji-1F3F0", "--out", out, "--db", db]).code,
      2,
      "no overwrite without --force",
    );
  });

  it("refuses a bad tags file naming its line, unknown images and bad usage (exit 2)", () => {
    writeFileSync(path.join(dir, "site", "bad.csv"), "file,tags\nloch.svg,\n");
    const bad = serums([
      "images",
      "add",
      path.join(dir, "site"),
      "--tags",
      path.join(dir, "site", "bad.csv"),
      "--db",
      db,
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad\.csv, line 2: image loch\.svg: no tags/);
    assert.equal(serums(["images", "show", "openmoji-NOPE", "--db", db]).code, 2);
    assert.equal(serums(["images", "frobnicate"]).code, 2);
    assert.equal(serums(["images", "search", "--db", db]).code, 2);
    const help = serums(["images", "search", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: serums images search/);
  });
});
