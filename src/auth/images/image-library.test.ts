import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ImageLibrary, type LibraryImage } from "./image-library.ts";
import { stem, termsOf } from "./image-terms.ts";
import { OPENMOJI_LICENCE, openMojiCatalog } from "./openmoji-catalog.ts";

function image(id: string, tags: string[]): LibraryImage {
  return { id, source: "site", owner: null, title: tags[0]!, tags, contentType: "image/png" };
}

describe("terms", () => {
  it("drops stop words and stems plurals and past tenses", () => {
    assert.deepEqual(termsOf("Places that we visited in Europe"), ["place", "visit", "europe"]);
    assert.deepEqual(termsOf("cats, CATS and berries"), ["cat", "berry"]);
    assert.deepEqual(termsOf("Cafés of Zürich"), ["cafe", "zurich"]);
    assert.equal(stem("bus"), "bus");
    assert.equal(stem("glass"), "glass");
    assert.equal(stem("boxes"), "box");
  });
});

describe("IDF-weighted similarity", () => {
  const lib = new ImageLibrary([
    image("a", ["cat", "sofa", "home"]),
    image("b", ["cat", "garden", "home"]),
    image("c", ["dog", "garden", "home"]),
    image("d", ["cat", "sofa", "home", "nap"]),
    image("e", ["volcano", "iceland"]),
    image("f", ["home", "kitchen"]),
  ]);

  it("weighs rare terms more than common ones", () => {
    assert.ok(lib.idfOf("volcano") > lib.idfOf("cat"));
    assert.ok(lib.idfOf("cat") > lib.idfOf("home"));
    assert.equal(lib.idfOf("unknown"), 0);
    assert.equal(lib.frequency("home"), 5);
  });

  it("is the cosine of weighted tag vectors: 1 for itself, 0 for nothing shared", () => {
    assert.ok(Math.abs(lib.similarity("a", "a") - 1) < 1e-9);
    assert.equal(lib.similarity("a", "e"), 0);
    assert.ok(lib.similarity("a", "d") > lib.similarity("a", "b"));
    assert.ok(lib.similarity("a", "b") > lib.similarity("a", "f"), "sharing 'cat' beats sharing only 'home'");
    assert.equal(lib.similarity("a", "b"), lib.similarity("b", "a"));
  });

  it("lists neighbours most similar first, itself excluded", () => {
    const near = lib.neighbours("a").map((s) => s.image.id);
    assert.equal(near[0], "d");
    assert.ok(!near.includes("a"));
    assert.ok(!near.includes("e"));
  });

  it("searches by words, preferring images that match more of them", () => {
    const found = lib.search("a cat on the sofa");
    assert.deepEqual(
      found
        .slice(0, 2)
        .map((s) => s.image.id)
        .sort(),
      ["a", "d"],
    );
    assert.deepEqual(found[0]!.matched.sort(), ["cat", "sofa"]);
    assert.deepEqual(lib.search("nothing matches this").length, 0);
    assert.deepEqual(
      lib.search("cats", { accept: (i) => i.id !== "a" }).map((s) => s.image.id),
      ["b", "d"].sort(),
    );
  });
});

describe("OpenMoji", () => {
  it("loads the catalogue with tags, without skin-tone variants, with its licence", () => {
    const catalog = openMojiCatalog();
    assert.ok(catalog.length > 2000, `${catalog.length} images`);
    const grinning = catalog.find((c) => c.id === "openmoji-1F600")!;
    assert.equal(grinning.title, "grinning face");
    assert.ok(grinning.tags.includes("smile"));
    assert.ok(!catalog.some((c) => c.id === "openmoji-1F44D-1F3FB"), "skin-tone variants are left out");
    assert.equal(OPENMOJI_LICENCE, "CC BY-SA 4.0");
  });

  it("finds best-fit images for a secret", () => {
    const catalog = openMojiCatalog();
    const lib = new ImageLibrary(
      catalog.map((c) => ({
        id: c.id,
        source: "openmoji",
        owner: null,
        title: c.title,
        tags: c.tags,
        contentType: "image/svg+xml",
      })),
      new Map(catalog.map((c) => [c.id, c.categories])),
    );
    const europe = lib.search("Places that we visited in Europe", { limit: 5 });
    assert.equal(europe[0]!.image.title, "globe showing Europe-Africa");
    assert.deepEqual(europe[0]!.matched.sort(), ["europe", "place"]);
    const beach = lib.search("our beach holidays by the sea", { limit: 10 }).map((s) => s.image.title);
    assert.ok(beach.includes("beach with umbrella"), beach.join(", "));
  });
});
