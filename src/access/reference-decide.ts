/**
 * FOR TESTS ONLY: a deliberately naive second reading of DESIGN.md's rule model, written from its
 * text rather than from decide.ts, so that the property tests (decide.property.test.ts) can
 * check the fast `decide` against it. Brute force: for every requested category it walks every
 * rule again; nothing is indexed, nothing is shared with decide.ts or category.ts.
 *
 * DESIGN.md, "The rule model": a request is allowed on a category when a site rule allows that
 * role to see it AND the patient allows it (a patient with no rules gets the site's configured
 * default), and no rule of either kind denies it. Deny overrides permit, the default is deny, the
 * patient always sees their own record, and break-glass is allowed with a stated reason unless
 * the patient refused it.
 *
 * Exclusions (permit with exclusions, CategoryDecision.except): for an allowed category, each data
 * entry strictly narrower than it of each deny rule that would apply had that entry been asked
 * for — any such deny for a "rules" grant, the patient's own for a "break-glass" grant — is
 * excluded, and the rule that excludes it is named with the grant's rules.
 */
import type { AccessRequest, DecisionBasis, Rule, SitePolicy } from "./rule-types.ts";

export interface ReferenceCategory {
  category: string;
  allowed: boolean;
  basis: DecisionBasis;
  /** The narrower categories excluded from an allowed category, distinct and sorted. */
  except: string[];
  /** "id@version" of the rules that made the decision, sorted. */
  rules: string[];
}

export interface ReferenceDecision {
  categories: ReferenceCategory[];
  breakGlass: boolean;
}

/** Does the rule's data name this category, or a broader one above it, or everything? */
function namesCategory(rule: Rule, category: string): boolean {
  return rule.data.some((d) => d === "*" || d === category || category.startsWith(`${d}:`));
}

/** Is the rule valid right now, for this person, for this purpose, on this category? */
function ruleApplies(rule: Rule, request: AccessRequest, category: string): boolean {
  if (rule.status !== "active") return false;
  const now = Date.parse(request.at);
  if (rule.period?.from !== undefined && now < Date.parse(rule.period.from)) return false;
  if (rule.period?.until !== undefined && now >= Date.parse(rule.period.until)) return false;
  const claims: Record<string, string | undefined> = {
    user: request.requester.serumsId,
    role: request.requester.role,
    department: request.requester.department,
    site: request.requester.site,
    country: request.requester.country,
  };
  for (const [field, wanted] of Object.entries(rule.actor)) {
    if (wanted !== undefined && claims[field] !== wanted) return false;
  }
  if (!rule.purposes.some((p) => p === "*" || p === request.purpose)) return false;
  return namesCategory(rule, category);
}

/** Is `narrow` strictly below `broad`: a different category that `broad` takes in? */
function strictlyBelow(narrow: string, broad: string): boolean {
  if (narrow === broad) return false;
  return broad === "*" || narrow.startsWith(`${broad}:`);
}

/**
 * Every data entry strictly below `category` of every deny among `candidates` that would apply had
 * that entry been asked for (distinct, sorted), and the denies that gave one.
 */
function exclusions(candidates: Rule[], request: AccessRequest, category: string): [string[], Rule[]] {
  const found: string[] = [];
  const by: Rule[] = [];
  for (const rule of candidates) {
    if (rule.effect !== "deny") continue;
    for (const entry of rule.data) {
      if (!strictlyBelow(entry, category)) continue;
      if (!ruleApplies(rule, request, entry)) continue;
      if (!found.includes(entry)) found.push(entry);
      if (!by.includes(rule)) by.push(rule);
    }
  }
  return [found.sort(), by];
}

const named = (rules: Rule[]): string[] => [...new Set(rules.map((r) => `${r.id}@${r.version}`))].sort();

export function referenceDecide(
  request: AccessRequest,
  rules: readonly Rule[],
  policy: SitePolicy,
): ReferenceDecision {
  const wanted: string[] = [];
  for (const c of request.categories) if (!wanted.includes(c)) wanted.push(c);

  if (request.requester.serumsId === request.patient) {
    return {
      categories: wanted.map((category) => ({
        category,
        allowed: true,
        basis: "self",
        except: [],
        rules: [],
      })),
      breakGlass: false,
    };
  }

  // The site's rules bind that site's own staff only.
  const siteRules = rules.filter(
    (r) =>
      r.kind === "site" &&
      r.author === request.requester.site &&
      (r.patient === "*" || r.patient === request.patient),
  );
  const patientsOwn = rules.filter((r) => r.kind === "patient" && r.patient === request.patient);
  const hasNoRules = patientsOwn.every((r) => r.status !== "active");
  const patientRules = hasNoRules
    ? policy.patientDefaults.filter((r) => r.patient === "*" || r.patient === request.patient)
    : patientsOwn;
  const emergencyWithReason = request.purpose === "emergency" && (request.reason ?? "").trim().length > 0;

  let breakGlass = false;
  const categories = wanted.map((category): ReferenceCategory => {
    const site = siteRules.filter((r) => ruleApplies(r, request, category));
    const pat = patientRules.filter((r) => ruleApplies(r, request, category));
    const denying = [...site, ...pat].filter((r) => r.effect === "deny");
    const patientRefusedEmergency = !hasNoRules && pat.some((r) => r.effect === "deny");
    const siteSaysYes = site.filter((r) => r.effect === "permit");
    const patientSaysYes = pat.filter((r) => r.effect === "permit");

    let answer: ReferenceCategory;
    if (denying.length > 0) {
      answer = { category, allowed: false, basis: "denied", except: [], rules: named(denying) };
    } else if (siteSaysYes.length > 0 && patientSaysYes.length > 0) {
      const [except, by] = exclusions([...siteRules, ...patientRules], request, category);
      answer = {
        category,
        allowed: true,
        basis: "rules",
        except,
        rules: named([...siteSaysYes, ...patientSaysYes, ...by]),
      };
    } else answer = { category, allowed: false, basis: "default-deny", except: [], rules: [] };

    if (!answer.allowed && emergencyWithReason && !patientRefusedEmergency) {
      breakGlass = true;
      // Only the patient's own denies (not a site's, nor the site defaults') hold against break-glass.
      const [except, by] = exclusions(hasNoRules ? [] : patientsOwn, request, category);
      answer = { category, allowed: true, basis: "break-glass", except, rules: named(by) };
    }
    return answer;
  });
  return { categories, breakGlass };
}
