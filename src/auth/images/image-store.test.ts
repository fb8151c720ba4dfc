import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, it } from "node:test";
import type { SerumsError } from "../../errors/index.ts";
import { describeEachEngine, type TestStore } from "../../store/test-engines.ts";
import { addUser, openKeyStore, tinyPng } from "../keys/key-test-fixtures.ts";
import { addSiteImage, getImageInfo, listVisibleImages, uploadImage } from "./image-store.ts";
import { imageContent, loadImageLibrary } from "./index.ts";
import { addImagesFromDirectory, parseTagsFile } from "./tags-file.ts";

const SAFE_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="5" height="5"/></svg>';

describeEachEngine("image store", (engine) => {
  let t: TestStore;
  let dir: string;
  before(async () => {
    t = await openKeyStore(engine);
    dir = mkdtempSync(path.join(tmpdir(), "serums-images-"));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t.dispose();
  });

  it("keeps a site image's bytes, hash and tags; the same bytes twice are one image", async () => {
    const bytes = tinyPng("duomo");
    const first = await addSiteImage(t.store, {
      name: "duomo.png",
      bytes,
      tags: [" Cathedral ", "Florence", "cathedral"],
    });
    assert.equal(first.added, true);
    assert.match(first.image.id, /^img-[0-9a-f]{32}$/);
    assert.deepEqual(first.image.tags, ["cathedral", "florence"]);
    assert.equal(first.image.contentType, "image/png");
    assert.equal(first.image.source, "site");
    const again = await addSiteImage(t.store, { name: "copy.png", bytes, tags: ["other"] });
    assert.equal(again.added, false);
    assert.equal(again.image.id, first.image.id);
    const content = await imageContent(t.store, first.image.id);
    assert.deepEqual(content, { contentType: "image/png", bytes });
  });

  it("serves OpenMoji's SVGs, and nothing for unknown IDs", async () => {
    const castle = await imageContent(t.store, "openmoji-1F3F0");
    assert.equal(castle?.contentType, "image/svg+xml");
    assert.match(new TextDecoder().decode(castle!.bytes), /^<svg/);
    assert.equal(await imageContent(t.store, "openmoji-../../package.json"), undefined);
    assert.equal(
      await imageContent(t.store, "openmoji-1F44D-1F3FB"),
      undefined,
      "skin-tone variants are not in the library",
    );
    assert.equal(await imageContent(t.store, "img-0000"), undefined);
  });

  it("keeps uploads private to their owner", async () => {
    const owner = await addUser(t.store);
    const other = await addUser(t.store);
    const { image } = await uploadImage(t.store, owner, {
      name: "upload",
      bytes: new TextEncoder().encode(SAFE_SVG),
      tags: ["my garden"],
      contentType: "image/svg+xml",
    });
    assert.equal(image.owner, owner);
    assert.ok((await listVisibleImages(t.store, owner)).some((i) => i.id === image.id));
    assert.ok(!(await listVisibleImages(t.store, other)).some((i) => i.id === image.id));
    assert.ok(!(await listVisibleImages(t.store)).some((i) => i.id === image.id));
    const mine = await loadImageLibrary(t.store, { viewer: owner });
    const theirs = await loadImageLibrary(t.store, { viewer: other });
    assert.ok(mine.has(image.id));
    assert.ok(!theirs.has(image.id));
    assert.equal(
      theirs.search("garden").some((s) => s.image.id === image.id),
      false,
    );
  });

  it("rejects bad uploads, storing nothing", async () => {
    const owner = await addUser(t.store);
    const bad: [Uint8Array, string[], RegExp][] = [
      [new TextEncoder().encode(SAFE_SVG.replace("<rect", "<script>x()</script><rect")), ["x"], /<script>/],
      [new TextEncoder().encode("GIF89a..."), ["x"], /not a PNG or an SVG/],
      [tinyPng("no-tags"), [], /no tags/],
      [tinyPng("bad-tag"), ["!!!"], /tag "!!!" is not valid/],
      [tinyPng("many"), Array.from({ length: 30 }, (_, i) => `t${i}`), /30 tags; valid: at most 24/],
    ];
    const before = (await listVisibleImages(t.store, owner)).length;
    for (const [bytes, tags, pattern] of bad) {
      await assert.rejects(
        uploadImage(t.store, owner, { name: "upload", bytes, tags }),
        (e: SerumsError) => e.code === "BAD_REQUEST" && pattern.test(e.message),
        String(pattern),
      );
    }
    await assert.rejects(
      uploadImage(t.store, "srm-nobody", { name: "upload", bytes: tinyPng("x"), tags: ["x"] }),
      (e: SerumsError) => e.code === "NOT_FOUND",
    );
    assert.equal((await listVisibleImages(t.store, owner)).length, before);
  });

  it("adds a folder of images from a CSV tags file", async () => {
    writeFileSync(path.join(dir, "beach.png"), tinyPng("beach"));
    writeFileSync(path.join(dir, "hill.svg"), SAFE_SVG.replace("5", "6"));
    const tags = path.join(dir, "tags.csv");
    writeFileSync(tags, 'file,tags,title\nbeach.png,"beach; sea; holiday",Our beach\nhill.svg,hill|walk,\n');
    const report = await addImagesFromDirectory(t.store, dir, tags);
    assert.deepEqual(report.added.map((i) => i.title).sort(), ["Our beach", "hill"]);
    const beach = report.added.find((i) => i.title === "Our beach")!;
    assert.deepEqual(beach.tags, ["beach", "sea", "holiday"]);
    assert.deepEqual(await getImageInfo(t.store, beach.id), beach);
    const again = await addImagesFromDirectory(t.store, dir, tags);
    assert.equal(again.added.length, 0);
    assert.equal(again.existing.length, 2);
  });

  it("adds from YAML too, and names the tags file and line of a bad entry — adding nothing", async () => {
    writeFileSync(path.join(dir, "a.png"), tinyPng("a"));
    writeFileSync(path.join(dir, "evil.svg"), SAFE_SVG.replace("<rect", '<rect onclick="x()"'));
    const yaml = path.join(dir, "tags.yaml");
    writeFileSync(yaml, "- file: a.png\n  tags: [apple, orchard]\n- file: evil.svg\n  tags: [evil]\n");
    const count = (await listVisibleImages(t.store)).length;
    await assert.rejects(addImagesFromDirectory(t.store, dir, yaml), (e: SerumsError) => {
      assert.equal(e.code, "BAD_REQUEST");
      assert.equal(e.where.line, 3);
      assert.match(e.message, /tags\.yaml, line 3: image evil\.svg: .*event-handler/);
      return true;
    });
    assert.equal((await listVisibleImages(t.store)).length, count, "all or nothing");
    writeFileSync(yaml, "a.png: [apple, orchard]\n");
    const report = await addImagesFromDirectory(t.store, dir, yaml);
    assert.deepEqual(report.added[0]?.tags, ["apple", "orchard"]);
  });

  it("refuses files outside the folder, missing files and malformed tags files", async () => {
    const csv = path.join(dir, "bad.csv");
    const cases: [string, RegExp][] = [
      ["file,tags\n../secret.png,x\n", /line 2: \.\.\/secret\.png is outside/],
      ["file,tags\nmissing.png,x\n", /line 2: missing\.png is not a file/],
      ["name,labels\na.png,x\n", /header must name the columns file and tags/],
      ["file,tags\na.png,x\na.png,y\n", /line 3: a\.png is listed twice \(also on line 2\)/],
      ["file,tags\na.png,\n", /line 2: image a\.png: no tags/],
      ["file,tags\n", /lists no images/],
    ];
    for (const [text, pattern] of cases) {
      writeFileSync(csv, text);
      await assert.rejects(
        addImagesFromDirectory(t.store, dir, csv),
        (e: SerumsError) => pattern.test(e.message),
        text,
      );
    }
    assert.throws(() => parseTagsFile("tags.txt", "x"), /valid: \.csv, \.yaml or \.yml/);
  });
});
