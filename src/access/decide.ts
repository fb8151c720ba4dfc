/**
 * The consent decision: which of the requested categories of a patient's record a requester may
 * see, for a purpose, at an instant, under the rules in force — DESIGN.md's rule model. Pure and
 * deterministic: no clock (the instant is the request's `at`), no I/O; the same inputs always give
 * the same Decision, so every endorsing ledger peer computes the same one.
 *
 * A rule *applies* to a request when it is active, its period contains `at` (from inclusive,
 * until exclusive), every field its actor selector gives equals the requester's claim (an empty
 * selector matches anyone), its purposes include the request's purpose or "*", and one of its
 * data categories covers the requested category (category.ts). Besides:
 * - a site rule applies only to its own site's users (requester.site === rule.author), and only
 *   when its patient is "*" or the requested patient;
 * - a patient rule applies only when its patient is the requested patient. When the patient has
 *   no active patient rule at all (in any period), the site policy's `patientDefaults` stand in
 *   for the patient's rules (their `patient` is "*", or this patient).
 *
 * Per category: allowed ("rules") when an applicable site rule permits and an applicable patient
 * rule or default permits and no applicable rule of either kind denies; a deny wins ("denied");
 * with nothing permitting on either side it is "default-deny". The patient reads all of their own
 * record ("self"). Break-glass: an "emergency" request with a non-empty reason (blank after trimming
 * counts as none) is allowed a category that would be denied or default-denied, unless an
 * applicable deny of the patient's own (not a site default) refuses it.
 *
 * Deny overrides permit below the requested category too (permit with exclusions): an allowed
 * category's `except` lists the data categories, strictly narrower than it, of the deny rules that
 * apply to the request but for data — every applicable deny (site, patient or default) for a
 * "rules" grant, the patient's own applicable denies for a "break-glass" grant — and the caller
 * must remove them before delivery. "self" and denied categories have none (see CategoryDecision).
 *
 * Each category's decision names its rules: the permitting site and patient rules plus the denies
 * that produced exclusions, or every applicable denying rule; "break-glass" names only the denies
 * that produced its exclusions; "self" and "default-deny" name none. Rules are named in
 * the order of `rules`, then of `policy.patientDefaults`, each once (by id and version);
 * `decidingRules` lists every named rule once, in order of first naming, categories taken in
 * request order. A category requested twice is decided once, at its first position.
 *
 * Speed: one pass over `rules` keeps only the rules that apply to this requester, patient,
 * purpose and instant, bucketed by side, effect and data category; each requested category then
 * looks up just the categories that cover it (coveringCategories), and an allowed one scans the
 * data categories of the applicable denies for narrower ones. The cost is one cheap test per rule
 * plus, per category, a few map lookups and one pass over the distinct categories that applicable
 * denies name — not over the rules in force.
 */
import { SerumsError, showValue } from "../errors/index.ts";
import { categoryCovers, coveringCategories } from "./category.ts";
import type {
  AccessRequest,
  ActorSelector,
  CategoryDecision,
  Claims,
  Decision,
  Rule,
  RuleRef,
  SitePolicy,
} from "./rule-types.ts";
import { ANY_PATIENT, ANY_PURPOSE, EMERGENCY_PURPOSE } from "./rule-vocabulary.ts";

/** An applicable rule and its place in the stable naming order. */
interface Applicable {
  rule: Rule;
  order: number;
}

/** Applicable rules of one effect, by data category. */
type Bucket = Map<string, Applicable[]>;

interface Side {
  permits: Bucket;
  denies: Bucket;
}

function newSide(): Side {
  return { permits: new Map(), denies: new Map() };
}

function instant(value: string, what: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new SerumsError("BAD_REQUEST", `${what} is ${showValue(value)}; valid: an ISO-8601 UTC instant`, {
      path: what,
      value,
    });
  }
  return ms;
}

/** Active, and its period contains `at` (from inclusive, until exclusive). */
function inForce(rule: Rule, at: number): boolean {
  if (rule.status !== "active") return false;
  const period = rule.period;
  if (period === undefined) return true;
  const name = `rule ${rule.id} v${rule.version} period`;
  if (period.from !== undefined && at < instant(period.from, `${name}.from`)) return false;
  if (period.until !== undefined && at >= instant(period.until, `${name}.until`)) return false;
  return true;
}

/** Every field the selector gives equals the requester's claim; an empty selector matches all. */
function actorMatches(actor: ActorSelector, requester: Claims): boolean {
  return (
    (actor.user === undefined || actor.user === requester.serumsId) &&
    (actor.role === undefined || actor.role === requester.role) &&
    (actor.department === undefined || actor.department === requester.department) &&
    (actor.site === undefined || actor.site === requester.site) &&
    (actor.country === undefined || actor.country === requester.country)
  );
}

function purposeMatches(purposes: readonly string[], purpose: string): boolean {
  return purposes.includes(purpose) || purposes.includes(ANY_PURPOSE);
}

/** Files `rule` under each of its data categories when it applies to the request (but for data). */
function consider(side: Side, rule: Rule, order: number, request: AccessRequest, at: number): void {
  if (!purposeMatches(rule.purposes, request.purpose)) return;
  if (!actorMatches(rule.actor, request.requester)) return;
  if (!inForce(rule, at)) return;
  const bucket = rule.effect === "deny" ? side.denies : side.permits;
  const entry = { rule, order };
  for (const category of rule.data) {
    const list = bucket.get(category);
    if (list === undefined) bucket.set(category, [entry]);
    else list.push(entry);
  }
}

/** The applicable rules of `bucket` covering `category`, in naming order, each once. */
function covering(bucket: Bucket, covers: readonly string[]): Applicable[] {
  if (bucket.size === 0) return [];
  const found: Applicable[] = [];
  for (const category of covers) {
    const list = bucket.get(category);
    if (list !== undefined) found.push(...list);
  }
  if (found.length < 2) return found;
  found.sort((a, b) => a.order - b.order);
  return found.filter((entry, i) => i === 0 || entry.order !== found[i - 1]!.order);
}

/**
 * The data categories strictly narrower than `category` under which `buckets` file applicable
 * rules (distinct, sorted), and those rules. A bucket holds only the rules that apply to the
 * request but for data, so each such category is one that a rule would deny had it been asked for.
 */
function narrower(buckets: readonly Bucket[], category: string): { except: string[]; by: Applicable[] } {
  const except = new Set<string>();
  const by: Applicable[] = [];
  for (const bucket of buckets) {
    for (const [data, list] of bucket) {
      if (data === category || !categoryCovers(category, data)) continue;
      except.add(data);
      by.push(...list);
    }
  }
  return { except: [...except].sort(), by };
}

function refKey(rule: Rule): string {
  return `${rule.id}\u0000${rule.version}`;
}

/** RuleRefs of the given rules, each (id, version) once, in the order given. */
function refs(...groups: Applicable[][]): RuleRef[] {
  const merged = groups.flat().sort((a, b) => a.order - b.order);
  const seen = new Set<string>();
  const out: RuleRef[] = [];
  for (const { rule } of merged) {
    const key = refKey(rule);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ id: rule.id, version: rule.version });
  }
  return out;
}

function uniqueInOrder(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function summarise(categories: CategoryDecision[], breakGlass: boolean): Decision {
  const decidingRules: RuleRef[] = [];
  const seen = new Set<string>();
  for (const decision of categories) {
    for (const ref of decision.rules) {
      const key = `${ref.id}\u0000${ref.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      decidingRules.push(ref);
    }
  }
  return {
    allowed: categories.filter((c) => c.allowed).map((c) => c.category),
    denied: categories.filter((c) => !c.allowed).map((c) => c.category),
    categories,
    breakGlass,
    decidingRules,
  };
}

export function decide(request: AccessRequest, rules: readonly Rule[], policy: SitePolicy): Decision {
  const at = instant(request.at, "request.at");
  const requested = uniqueInOrder(request.categories);
  const { requester, patient } = request;

  if (requester.serumsId === patient) {
    const categories = requested.map((category) => ({
      category,
      allowed: true,
      basis: "self" as const,
      except: [],
      rules: [],
    }));
    return summarise(categories, false);
  }

  // One pass: keep the rules that apply to this requester, patient, purpose and instant.
  const site = newSide();
  const own = newSide();
  let patientHasActiveRules = false;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (rule.kind === "site") {
      if (rule.author !== requester.site) continue;
      if (rule.patient !== ANY_PATIENT && rule.patient !== patient) continue;
      consider(site, rule, i, request, at);
    } else {
      if (rule.patient !== patient) continue;
      if (rule.status === "active") patientHasActiveRules = true;
      consider(own, rule, i, request, at);
    }
  }

  // A patient with no active rule of their own gets the site's defaults in their place.
  let patientSide = own;
  if (!patientHasActiveRules) {
    patientSide = newSide();
    policy.patientDefaults.forEach((rule, i) => {
      if (rule.patient === ANY_PATIENT || rule.patient === patient) {
        consider(patientSide, rule, rules.length + i, request, at);
      }
    });
  }

  const emergency =
    request.purpose === EMERGENCY_PURPOSE &&
    typeof request.reason === "string" &&
    request.reason.trim() !== "";
  let breakGlass = false;

  const categories = requested.map((category): CategoryDecision => {
    const covers = coveringCategories(category);
    const siteDenies = covering(site.denies, covers);
    const patientDenies = covering(patientSide.denies, covers);
    // Only the patient may refuse break-glass: their own applicable deny (which, the request's
    // purpose being "emergency", names "emergency" or "*"). A site's deny, or a site default
    // standing in for the patient, does not block it — the emergency override exists precisely
    // for when the usual rules would say no, and the refusal is the patient's to make.
    const refused = patientSide === own && patientDenies.length > 0;
    // A break-glass grant still excludes what the patient's own applicable denies refuse below it.
    const glass = (): CategoryDecision => {
      breakGlass = true;
      const { except, by } = narrower(patientSide === own ? [own.denies] : [], category);
      return { category, allowed: true, basis: "break-glass", except, rules: refs(by) };
    };

    if (siteDenies.length > 0 || patientDenies.length > 0) {
      if (emergency && !refused) return glass();
      return {
        category,
        allowed: false,
        basis: "denied",
        except: [],
        rules: refs(siteDenies, patientDenies),
      };
    }

    const sitePermits = covering(site.permits, covers);
    const patientPermits = sitePermits.length > 0 ? covering(patientSide.permits, covers) : [];
    if (sitePermits.length > 0 && patientPermits.length > 0) {
      // Deny overrides permit below the request as well: every applicable narrower deny excludes.
      const { except, by } = narrower([site.denies, patientSide.denies], category);
      return {
        category,
        allowed: true,
        basis: "rules",
        except,
        rules: refs(sitePermits, patientPermits, by),
      };
    }
    if (emergency) return glass();
    return { category, allowed: false, basis: "default-deny", except: [], rules: [] };
  });

  return summarise(categories, breakGlass);
}
