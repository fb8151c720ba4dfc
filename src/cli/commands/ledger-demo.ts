/**
 * `serums ledger demo`: DESIGN.md's request flow on the consortium, told in a few steps a new
 * user can follow. At one site (edinburgh by default) its administrator registers two patients
 * and an oncology doctor, publishes the site's rules and its default for patients with no rules
 * of their own; patient A publishes their own rules, signed with their key (treatment by their
 * treating site, no research, never their genetic tests); then the site's lake asks the ledger to
 * decide four requests — allowed with an exclusion, denied, allowed by the site's default, and
 * break-glass — and patient A's access history is read back. Each decision carries the
 * transaction that logged it, for `serums ledger receipt`.
 *
 * Each run registers new people; the site's rules and policy are published once. The doctor's
 * key and certificate are kept (D/users/<site>/doctor-<Serums ID>, mode 0600), so the doctor
 * shows in `serums ledger certificates` and can be revoked; the patients' keys are not kept.
 * The doctor's certificate is valid for as long as the site administrator's (init's --cert-days).
 */
import type { Rule, SitePolicy } from "../../access/index.ts";
import { SerumsError } from "../../errors/index.ts";
import {
  type AccessHistory,
  type AccessRequestInput,
  certificateFingerprint,
  type DecideResult,
  issueIdentity,
  signPatientRule,
  writeSigner,
} from "../../ledger/index.ts";
import { newSerumsId } from "../../record/serums-id.ts";
import { identityOf, type LedgerSession } from "./ledger-context.ts";
import { renderHistory } from "./ledger-history.ts";

export interface DemoDecision {
  label: string;
  request: { patient: string; purpose: string; categories: string[]; reason?: string };
  decision: DecideResult;
}

export interface DemoReport {
  site: string;
  patients: { A: string; B: string };
  doctor: { serumsId: string; role: string; department: string; fingerprint: string; file: string };
  siteRules: { id: string; says: string; published: boolean }[];
  sitePolicy: { says: string; published: boolean };
  patientRules: { id: string; says: string }[];
  decisions: DemoDecision[];
  history: AccessHistory;
}

const GENETICS = "event:genetic_test";

function siteRules(site: string): { rule: Rule; says: string }[] {
  const base = {
    version: 1,
    kind: "site",
    author: site,
    effect: "permit",
    patient: "*",
    status: "active",
  } as const;
  return [
    {
      rule: {
        ...base,
        id: "oncology-treatment",
        actor: { role: "doctor", department: "oncology" },
        data: ["person", "event"],
        purposes: ["treatment"],
      },
      says: "oncology doctors may read the person and their events, for treatment",
    },
    {
      rule: {
        ...base,
        id: "doctors-research",
        actor: { role: "doctor" },
        data: ["event"],
        purposes: ["research"],
      },
      says: "doctors may read events for research (if the patient agrees)",
    },
  ];
}

function sitePolicy(site: string): SitePolicy {
  return {
    patientDefaults: [
      {
        id: "treating-site",
        version: 1,
        kind: "patient",
        author: site,
        effect: "permit",
        patient: "*",
        actor: { site },
        data: ["*"],
        purposes: ["treatment", "research"],
        status: "active",
      },
    ],
  };
}

function patientRules(patient: string, site: string): { rule: Rule; says: string }[] {
  const base = { version: 1, kind: "patient", author: patient, patient, status: "active" } as const;
  return [
    {
      rule: {
        ...base,
        id: "my-treating-site",
        effect: "permit",
        actor: { site },
        data: ["*"],
        purposes: ["treatment"],
      },
      says: `${site} may read my record for treatment`,
    },
    {
      rule: { ...base, id: "no-research", effect: "deny", actor: {}, data: ["*"], purposes: ["research"] },
      says: "no one may use my record for research",
    },
    {
      rule: { ...base, id: "no-genetics", effect: "deny", actor: {}, data: [GENETICS], purposes: ["*"] },
      says: `no one may see my genetic tests (${GENETICS}), not even in an emergency`,
    },
  ];
}

export async function runDemo(session: LedgerSession, site: string): Promise<DemoReport> {
  const siteConfig = session.consortium.config.sites.find((s) => s.id === site)!;
  const caKey = session.consortium.siteKeys[site]!.caKey;
  const adminSigner = session.signer(site, "administrator");
  const admin = session.service(adminSigner);
  const { issuedAt: adminIssued, expiresAt: adminExpires } = adminSigner.certificate;
  const validMs = adminExpires === undefined ? undefined : Date.parse(adminExpires) - Date.parse(adminIssued);
  const lake = session.service(session.signer(site, "lake"));

  // 1. The site registers its new patients and doctor: Serums IDs and public keys only.
  const person = (role: string, department?: string, validForMs?: number) => {
    const issuedAt = new Date();
    return issueIdentity(caKey, {
      serumsId: newSerumsId(),
      site,
      role,
      country: siteConfig.country,
      ...(department ? { department } : {}),
      issuedAt,
      ...(validForMs === undefined ? {} : { expiresAt: new Date(issuedAt.getTime() + validForMs) }),
    });
  };
  const patientA = person("patient");
  const patientB = person("patient");
  const doctor = person("doctor", "oncology", validMs);
  const doctorName = `doctor-${doctor.certificate.serumsId}`;
  writeSigner(session.location.dir, doctorName, doctor);
  await Promise.all([
    admin.registerIdentity(identityOf(patientA, "patient")),
    admin.registerIdentity(identityOf(patientB, "patient")),
    admin.registerIdentity(identityOf(doctor, "staff")),
  ]);

  // 2. The site's generic rules and its default for patients with no rules of their own.
  const inForce = new Set((await admin.siteRules(site)).rules.map((r) => r.rule.id));
  const published = await Promise.all(
    siteRules(site).map(async ({ rule, says }) => {
      const fresh = !inForce.has(rule.id);
      if (fresh) await admin.publishSiteRule(rule);
      return { id: rule.id, says, published: fresh };
    }),
  );
  let policyFresh = false;
  try {
    await admin.sitePolicy(site);
  } catch (error) {
    if (!(error instanceof SerumsError && error.code === "NOT_FOUND")) throw error;
    await admin.setSitePolicy(sitePolicy(site));
    policyFresh = true;
  }

  // 3. Patient A's own rules, each signed with the key only they hold.
  const asPatientA = session.service(patientA);
  const rulesA = patientRules(patientA.certificate.serumsId, site);
  for (const { rule } of rulesA)
    await asPatientA.publishPatientRule(rule, signPatientRule(rule, patientA.privateKey));

  // 4. The doctor asks the lake; the lake asks the ledger, which decides and logs each request.
  const requester = {
    serumsId: doctor.certificate.serumsId,
    role: "doctor",
    site,
    department: "oncology",
    country: siteConfig.country,
  };
  const A = patientA.certificate.serumsId;
  const B = patientB.certificate.serumsId;
  const asks: { label: string; request: DemoDecision["request"] }[] = [
    {
      label: "patient A, treatment",
      request: { patient: A, purpose: "treatment", categories: ["person", "event"] },
    },
    { label: "patient A, research", request: { patient: A, purpose: "research", categories: ["event"] } },
    {
      label: "patient B, research (no rules of their own)",
      request: { patient: B, purpose: "research", categories: ["event"] },
    },
    {
      label: "patient A, emergency (break-glass)",
      request: {
        patient: A,
        purpose: "emergency",
        categories: ["person", "event", GENETICS],
        reason: "patient admitted unconscious to the emergency department",
      },
    },
  ];
  const decisions: DemoDecision[] = [];
  for (const ask of asks) {
    const input: AccessRequestInput = { requester, ...ask.request };
    decisions.push({ ...ask, decision: await lake.decide(input) });
  }

  // 5. What patient A (or their site's administrator) sees afterwards.
  const history = await admin.accessHistory(A);
  return {
    site,
    patients: { A, B },
    doctor: {
      serumsId: doctor.certificate.serumsId,
      role: "doctor",
      department: "oncology",
      fingerprint: certificateFingerprint(doctor.certificate),
      file: `users/${site}/${doctorName}.cert.json`,
    },
    siteRules: published,
    sitePolicy: {
      says: `a patient with no rules of their own: ${site} may read their record for treatment and research`,
      published: policyFresh,
    },
    patientRules: rulesA.map(({ rule, says }) => ({ id: rule.id, says })),
    decisions,
    history,
  };
}

function decisionLines(d: DemoDecision): string[] {
  const { decision } = d;
  const part = decision.denied.length > 0 ? " (in part)" : "";
  const verdict =
    decision.allowed.length === 0
      ? "DENIED"
      : `${decision.breakGlass ? "ALLOWED BY BREAK-GLASS" : "ALLOWED"}${part}`;
  const lines = [`  ${d.label}: asks ${d.request.categories.join(", ")} → ${verdict}`];
  for (const c of decision.categories) {
    const rules = c.rules.map((r) => `${r.id} v${r.version}`).join(", ");
    const except = c.except.length > 0 ? ` except ${c.except.join(", ")}` : "";
    lines.push(
      `      ${c.category}: ${c.allowed ? "allowed" : "denied"} (${c.basis}${rules ? `: ${rules}` : ""})${except}`,
    );
  }
  lines.push(`      tx ${decision.txId}`);
  return lines;
}

export function renderDemo(report: DemoReport): string {
  const mark = (fresh: boolean) => (fresh ? "published" : "already in force");
  const lines = [
    `Serums ledger demo at ${report.site}`,
    "",
    `1. ${report.site}'s administrator registers two patients and a doctor (Serums IDs and public keys only):`,
    `     patient A ${report.patients.A}`,
    `     patient B ${report.patients.B}`,
    `     doctor    ${report.doctor.serumsId} (oncology), certificate ${report.doctor.fingerprint}`,
    `2. The site's rules:`,
    ...report.siteRules.map((r) => `     ${r.id}: ${r.says} [${mark(r.published)}]`),
    `     default: ${report.sitePolicy.says} [${mark(report.sitePolicy.published)}]`,
    `3. Patient A's own rules, signed with their key (they replace the site's default for A):`,
    ...report.patientRules.map((r) => `     ${r.id}: ${r.says}`),
    `4. The doctor asks; ${report.site}'s lake asks the ledger, which decides and logs each request:`,
    ...report.decisions.flatMap(decisionLines),
    `5. ${renderHistory(report.history, "   ").trimStart().trimEnd()}`,
    "",
    "Every decision is an entry of the access log that no one can delete. Ask for a receipt and check it offline:",
    `  serums ledger receipt ${report.decisions[0]!.decision.txId} --out receipt.json`,
    "  serums ledger check-receipt receipt.json",
    `  serums ledger history ${report.patients.A}`,
  ];
  return `${lines.join("\n")}\n`;
}
