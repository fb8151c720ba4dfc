/**
 * parseAccessRequest and parseClaims: bad input for every field of a request, with the message
 * (rule-schema.test.ts covers rules and site policies).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SerumsError } from "../errors/index.ts";
import { parseAccessRequest, parseClaims } from "./rule-schema.ts";
import type { AccessRequest } from "./rule-types.ts";

const PAT = "srm-aaaa-0000-0000-0001";
const DANA = "srm-dddd-0000-0000-0001";
const CATEGORY_RULE =
  'valid: "*", or lower-case segments of a-z 0-9 _ @ . - joined by ":" (e.g. "event:chemotherapy_cycle")';
const INSTANT_RULE =
  'valid: an ISO-8601 UTC instant ending in "Z" (e.g. "2024-05-01T09:30:00Z" or "2024-05-01T09:30:00.250Z")';
const NAME_RULE = "valid: 1-128 characters of A-Z a-z 0-9 _ . : @ -, starting with a letter or digit";
const SERUMS_ID_RULE =
  'valid: a Serums ID ("srm-" and four groups of four of 0-9 a-z, e.g. "srm-7k3m-9qx2-hv4t-8dpa")';

const goodRequest: AccessRequest = {
  requester: { serumsId: DANA, role: "doctor", site: "edinburgh", department: "oncology", country: "GB" },
  patient: PAT,
  categories: ["event:chemotherapy_cycle"],
  purpose: "treatment",
  at: "2024-06-01T12:00:00Z",
};

/** The message parse throws, asserting it is a BAD_REQUEST SerumsError. */
function messageOf(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    assert.ok(error instanceof SerumsError, String(error));
    assert.equal(error.code, "BAD_REQUEST");
    return error.message;
  }
  assert.fail("expected a BAD_REQUEST");
}

describe("parseAccessRequest", () => {
  it("returns a valid request unchanged; a category may repeat (decide decides it once)", () => {
    assert.deepEqual(parseAccessRequest(goodRequest), goodRequest);
    const repeated = { ...goodRequest, categories: ["event", "event"] };
    assert.deepEqual(parseAccessRequest(repeated), repeated);
  });

  it("accepts break-glass with a reason", () => {
    const glass = { ...goodRequest, purpose: "emergency", reason: "unconscious in A&E" };
    assert.deepEqual(parseAccessRequest(glass), glass);
  });

  const requester = goodRequest.requester;
  const bad: [string, unknown, string][] = [
    [
      "no requester",
      { ...goodRequest, requester: undefined },
      "request.requester is (missing); valid: the requester's claims (an object with fields serumsId, role, site, department, country)",
    ],
    [
      "requester.serumsId",
      { ...goodRequest, requester: { ...requester, serumsId: "dana" } },
      `request.requester.serumsId is "dana"; ${SERUMS_ID_RULE}`,
    ],
    [
      "requester.role",
      { ...goodRequest, requester: { ...requester, role: " doctor" } },
      `request.requester.role is " doctor"; ${NAME_RULE}`,
    ],
    [
      "requester.site missing",
      { ...goodRequest, requester: { serumsId: DANA, role: "doctor" } },
      `request.requester.site is (missing); ${NAME_RULE}`,
    ],
    [
      "requester: unknown claim",
      { ...goodRequest, requester: { ...requester, admin: true } },
      'request.requester has unknown field "admin"; valid fields: serumsId, role, site, department, country',
    ],
    ["patient: any", { ...goodRequest, patient: "*" }, `request.patient is "*"; ${SERUMS_ID_RULE}`],
    [
      "categories: empty",
      { ...goodRequest, categories: [] },
      "request.categories is []; valid: at least one category",
    ],
    [
      "categories: bad",
      { ...goodRequest, categories: ["event", "event:"] },
      `request.categories[1] is "event:"; ${CATEGORY_RULE}; it has an empty segment`,
    ],
    [
      "purpose: any",
      { ...goodRequest, purpose: "*" },
      'request.purpose is "*"; valid: a purpose of a-z 0-9 _ -, starting with a letter (e.g. "treatment", "emergency", "research"); "*" is only for rules',
    ],
    [
      "at: local time",
      { ...goodRequest, at: "2024-06-01T12:00:00" },
      `request.at is "2024-06-01T12:00:00"; ${INSTANT_RULE}`,
    ],
    [
      "at: hour 24",
      { ...goodRequest, at: "2024-06-01T24:00:00Z" },
      `request.at is "2024-06-01T24:00:00Z"; ${INSTANT_RULE}`,
    ],
    [
      "emergency without a reason",
      { ...goodRequest, purpose: "emergency" },
      'request.reason is (missing); valid: a non-empty reason, required when purpose is "emergency" (break-glass)',
    ],
    [
      "emergency with a blank reason",
      { ...goodRequest, purpose: "emergency", reason: " \t" },
      'request.reason is " \\t"; valid: a non-empty reason, required when purpose is "emergency" (break-glass)',
    ],
    [
      "a reason that is not text",
      { ...goodRequest, reason: 1 },
      "request.reason is 1; valid: a text saying why",
    ],
    [
      "a reason too long",
      { ...goodRequest, reason: "x".repeat(2001) },
      `request.reason is "${"x".repeat(58)}…; valid: at most 2000 characters`,
    ],
  ];
  for (const [what, value, message] of bad) {
    it(`refuses ${what}`, () => {
      assert.equal(
        messageOf(() => parseAccessRequest(value)),
        message,
      );
    });
  }
});

describe("parseClaims", () => {
  it("accepts the claims of a login and refuses a bad country", () => {
    assert.deepEqual(parseClaims(goodRequest.requester), goodRequest.requester);
    assert.equal(
      messageOf(() => parseClaims({ ...goodRequest.requester, country: "GBR" })),
      'claims.country is "GBR"; valid: an ISO 3166-1 alpha-2 country code in upper case (e.g. "GB")',
    );
  });
});
