/**
 * Classifies one profiled source column into a hub of the T-P-O-L-E vault (Time, Person, Object,
 * Location, Event), from two kinds of evidence: the words of its name (snake_case and camelCase
 * split, matched against small medical vocabularies) and its profile (type, date format, value
 * patterns such as CHI numbers or ICD-10 codes). The reason names the evidence. Pure.
 *
 * The classification follows the paper's hand classification of SMR01 (section V-B): dates and
 * length of stay are Time; sex, age, ethnic group, marital status and postcode are Person; the
 * operations and conditions are Objects. What has no evidence is an Event attribute.
 */
import type { ColumnProfile, PatternName } from "../sources/profile-columns.ts";

export type Hub = "time" | "person" | "object" | "location" | "event";

export type SuggestedType = "string" | "integer" | "decimal" | "boolean" | "date" | "datetime";

export interface ColumnClass {
  column: string;
  profile: ColumnProfile;
  words: string[];
  hub: Hub;
  /**
   * time: "date" (then "start", "end" when chosen), "duration"; person: "identifier", "attribute";
   * object: the object type; location: "site", "address", "coordinates"; event: "key", "attribute".
   */
  role: string;
  /** Evidence, in words, e.g. "name word 'admission'", "100% of values match date DD/MM/YYYY". */
  evidence: string[];
  /** Choices made over all columns, e.g. "the event start (named as a start)". */
  notes: string[];
  valueType: SuggestedType;
  /** Date format for the mapping, when not the ISO default. */
  format?: string;
  identifier?: { system: string; national: boolean; pad: boolean };
  object?: { type: string; codeSystem?: string; stem: string };
  location?: { kind: "site" | "address" | "coordinates"; axis?: "latitude" | "longitude" | "altitude" };
  /** A postcode: a person attribute, and the key of a resides_at location. */
  residence?: boolean;
  /** Event keys: a parent (regime, course), a cycle, or another identifier of the event. */
  keyKind?: "parent" | "cycle" | "other";
}

/** "main_operation_a" → [main, operation, a]; "ageInYears" → [age, in, years]; "UPINumber" → [upi, number]. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .replace(/([A-Za-z])(\d)/g, "$1 $2")
    .replace(/(\d)([A-Za-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== "");
}

const set = (words: string): Set<string> => new Set(words.split(/\s+/));

const TIME_WORDS = set(
  "admission admit admitted adm discharge discharged disch date dt dte time datetime timestamp dttm when " +
    "start started begin end ended stop stopped finish finished until incidence onset diagnosis assessment " +
    "treatment given administered visit appointment report reported event operation",
);
export const START_WORDS = set(
  "admission admit admitted adm start started begin incidence onset treatment given administered visit appointment",
);
export const END_WORDS = set("discharge discharged disch end ended stop stopped finish finished until");
const PERSON_DATE_WORDS = set("birth dob born death died deceased dod");
const DURATION_WORDS = set(
  "stay los duration length days hours minutes mins weeks months years nights interval delay",
);
const PERSON_WORDS = set(
  "sex gender age ethnic ethnicity race marital postcode postal zip religion simd deprivation nationality " +
    "occupation forename surname firstname lastname birth dob",
);
const POSTCODE_WORDS = set("postcode postal zip");
const NAME_COMPANIONS = set("patient person first last full given family middle maiden name");
const ID_WORDS = set("id identifier number no num nr key seq sequence ref");
const PATIENT_ID_WORDS = set("patient person subject case unit");
const PROCEDURE_WORDS = set("operation operations op ops procedure procedures opcs");
const CONDITION_WORDS = set("condition conditions diagnosis diagnoses diag dx icd");
const MEDICINE_WORDS = set("drug drugs medicine medicines medication medications regimen regime");
const MORPHOLOGY_WORDS = set("morphology histology morph histological");
const WEAK_OBJECT_WORDS = set("site topography disease surgery surgical agent therapy code");
const OBJECT_QUALIFIERS = set(
  "main other primary secondary additional principal first second third fourth extra subsidiary code name",
);
const COORDINATE_WORDS: Record<string, "latitude" | "longitude" | "altitude"> = {
  latitude: "latitude",
  lat: "latitude",
  longitude: "longitude",
  lon: "longitude",
  lng: "longitude",
  altitude: "altitude",
  elevation: "altitude",
};
const SITE_WORDS = set("ward hospital site location clinic department dept facility practice centre center");
const ADDRESS_WORDS = set("address street town city");
const EVENT_ID_WORDS = set(
  "episode cycle regime regimen course event encounter visit admission record spell attendance appointment report",
);
const PARENT_ID_WORDS = set("regime regimen course");
const EVENT_WORDS = set(
  "grade toxicity status outcome emergency elective urgent type stage score index result response flag dose " +
    "intent route action reason category severity size band count laterality method",
);

function matching(words: string[], vocabulary: Set<string>): string[] {
  return [...new Set(words.filter((word) => vocabulary.has(word)))];
}

export function percent(rate: number): string {
  return rate >= 1 ? "100%" : `${Math.floor(rate * 1000) / 10}%`;
}

function patternRate(profile: ColumnProfile, pattern: PatternName): number {
  let best = 0;
  for (const match of profile.patterns) if (match.pattern === pattern && match.rate > best) best = match.rate;
  return best;
}

function wordEvidence(words: string[]): string {
  return words.length === 1
    ? `name word '${words[0]}'`
    : `name words ${words.map((word) => `'${word}'`).join(", ")}`;
}

function typeEvidence(profile: ColumnProfile): string {
  switch (profile.type) {
    case "date":
    case "datetime":
      return `100% of values match ${profile.type} ${profile.format}`;
    case "integer":
      return "integer values";
    case "decimal":
      return "decimal values";
    case "boolean":
      return "boolean values (true/false, yes/no, Y/N)";
    case "empty":
      return "no values in the sample";
    default:
      return "text values";
  }
}

function suggestedType(profile: ColumnProfile): SuggestedType {
  return profile.type === "empty" ? "string" : profile.type;
}

function dateFormatFor(profile: ColumnProfile): string | undefined {
  const format = profile.format;
  return format === undefined || format === "YYYY-MM-DD" || format === "ISO-8601" ? undefined : format;
}

/** Classifies one column; start/end among the dates are chosen later, over all columns. */
export function classifyColumn(profile: ColumnProfile): ColumnClass {
  const words = nameWords(profile.column);
  const base = { column: profile.column, profile, words, valueType: suggestedType(profile), notes: [] };
  const isDate = profile.type === "date" || profile.type === "datetime";
  const numeric = profile.type === "integer" || profile.type === "decimal";
  const textual = profile.type === "string" || profile.type === "empty";
  const format = dateFormatFor(profile);

  // 1. Dates: Time, unless a date of birth or death (a Person attribute).
  if (isDate || (profile.type === "empty" && words.some((w) => w === "date" || w === "datetime"))) {
    const valueType: SuggestedType = isDate ? suggestedType(profile) : "date";
    const personWords = matching(words, PERSON_DATE_WORDS);
    const format_ = format === undefined ? {} : { format };
    if (personWords.length > 0) {
      return {
        ...base,
        ...format_,
        valueType,
        hub: "person",
        role: "attribute",
        evidence: [wordEvidence(personWords), typeEvidence(profile)],
      };
    }
    const timeWords = matching(words, TIME_WORDS);
    const evidence = timeWords.length > 0 ? [wordEvidence(timeWords)] : [];
    evidence.push(isDate ? typeEvidence(profile) : "no values in the sample to check the format");
    return { ...base, ...format_, valueType, hub: "time", role: "date", evidence };
  }

  // 2. Identifiers of the person: by name, or by a check-digit pattern.
  const identifier = identifierOf(profile, words);
  if (identifier !== null) return { ...base, ...identifier };

  // 3. Person attributes by name (and postcodes by pattern).
  const personWords = matching(words, PERSON_WORDS);
  const isPersonName =
    words.includes("name") && words.every((w) => NAME_COMPANIONS.has(w)) && words.some((w) => w !== "name");
  const postcodeRate = Math.max(
    patternRate(profile, "uk_postcode"),
    patternRate(profile, "uk_postcode_district"),
  );
  // By pattern alone only with no other evidence: "G1".."G3" are Glasgow districts and tumour grades.
  const postcodeByPattern =
    textual &&
    postcodeRate >= 0.8 &&
    postcodeRate > patternRate(profile, "icd10") &&
    patternRate(profile, "grade_0_4") < 0.5 &&
    !hasOtherVocabulary(words);
  if (personWords.length > 0 || isPersonName || postcodeByPattern) {
    const evidence = personWords.length > 0 ? [wordEvidence(personWords)] : [];
    if (isPersonName) evidence.push("name words of a person's name");
    const residence = matching(words, POSTCODE_WORDS).length > 0 || postcodeByPattern;
    if (postcodeRate > 0)
      evidence.push(`${percent(postcodeRate)} of values are UK postcodes (full or district)`);
    else evidence.push(typeEvidence(profile));
    return { ...base, hub: "person", role: "attribute", evidence, ...(residence ? { residence } : {}) };
  }

  // 4. Durations: Time.
  const durationWords = matching(words, DURATION_WORDS);
  if ((numeric || profile.type === "empty") && durationWords.length > 0) {
    return {
      ...base,
      hub: "time",
      role: "duration",
      evidence: [wordEvidence(durationWords), typeEvidence(profile)],
    };
  }

  // 5. Objects: codes of procedures, conditions, medicines, morphologies.
  const object = objectOf(profile, words, textual);
  if (object !== null) return { ...base, ...object };

  // 6. Locations.
  const axisWord = words.find((w) => COORDINATE_WORDS[w] !== undefined);
  if (axisWord !== undefined && (numeric || profile.type === "empty")) {
    return {
      ...base,
      hub: "location",
      role: "coordinates",
      location: { kind: "coordinates", axis: COORDINATE_WORDS[axisWord]! },
      evidence: [wordEvidence([axisWord]), typeEvidence(profile)],
    };
  }
  const siteWords = matching(words, SITE_WORDS);
  const addressWords = matching(words, ADDRESS_WORDS);
  if (textual && (siteWords.length > 0 || addressWords.length > 0)) {
    const kind = addressWords.length > 0 ? "address" : "site";
    return {
      ...base,
      hub: "location",
      role: kind,
      location: { kind },
      evidence: [wordEvidence([...addressWords, ...siteWords]), typeEvidence(profile)],
    };
  }

  // 7. Event keys: identifiers of an episode, a cycle, a regime.
  const idWords = matching(words, ID_WORDS);
  const eventIdWords = matching(words, EVENT_ID_WORDS);
  const singleEventId =
    words.length === 1 && (words[0] === "cycle" || words[0] === "episode") && profile.type === "integer";
  if ((eventIdWords.length > 0 && idWords.length > 0) || singleEventId) {
    const keyKind = eventIdWords.some((w) => PARENT_ID_WORDS.has(w))
      ? "parent"
      : eventIdWords.includes("cycle")
        ? "cycle"
        : "other";
    return {
      ...base,
      hub: "event",
      role: "key",
      keyKind,
      evidence: [wordEvidence([...eventIdWords, ...idWords]), typeEvidence(profile)],
    };
  }
  if (idWords.length > 0 && words.length <= 2 && profile.uniqueness >= 0.95 && profile.nonEmpty > 0) {
    return {
      ...base,
      hub: "event",
      role: "key",
      keyKind: "other",
      evidence: [wordEvidence(idWords), `${percent(profile.uniqueness)} of values distinct`],
    };
  }

  // 8. Everything else: an attribute of the event.
  const eventWords = matching(words, EVENT_WORDS);
  const evidence = eventWords.length > 0 ? [wordEvidence(eventWords)] : [];
  const gradeRate = patternRate(profile, "grade_0_4");
  const graded = numeric && gradeRate >= 0.8;
  evidence.push(graded ? `${percent(gradeRate)} of values on the 0–4 grade scale` : typeEvidence(profile));
  if (eventWords.length === 0 && !graded) evidence.push("no Time, Person, Object or Location evidence");
  return { ...base, hub: "event", role: "attribute", evidence };
}

/** Words of any vocabulary other than the Person one. */
function hasOtherVocabulary(words: string[]): boolean {
  const vocabularies = [
    TIME_WORDS,
    DURATION_WORDS,
    PROCEDURE_WORDS,
    CONDITION_WORDS,
    MEDICINE_WORDS,
    MORPHOLOGY_WORDS,
    WEAK_OBJECT_WORDS,
    SITE_WORDS,
    EVENT_ID_WORDS,
    EVENT_WORDS,
  ];
  return words.some((word) => vocabularies.some((vocabulary) => vocabulary.has(word)));
}

function identifierOf(
  profile: ColumnProfile,
  words: string[],
): Pick<ColumnClass, "hub" | "role" | "evidence" | "identifier" | "valueType"> | null {
  const chiRate = patternRate(profile, "chi");
  const nhsRate = patternRate(profile, "nhs_number");
  const idWords = matching(words, ID_WORDS);
  let system: string | null = null;
  let nameEvidence: string[] = [];
  for (const word of ["chi", "upi", "nhs", "mrn", "crn", "urn", "nhi"]) {
    if (words.includes(word)) {
      system = word === "upi" ? (chiRate >= 0.5 ? "chi" : "upi") : word;
      nameEvidence = [word];
      break;
    }
  }
  if (system === null && words.includes("hospital") && idWords.length > 0) {
    system = "hospital-number";
    nameEvidence = ["hospital", ...idWords];
  }
  if (system === null && idWords.length > 0) {
    const who = matching(words, PATIENT_ID_WORDS);
    if (who.length > 0) {
      system = words.join("-");
      nameEvidence = [...who, ...idWords];
    }
  }
  const evidence: string[] = nameEvidence.length > 0 ? [wordEvidence(nameEvidence)] : [];
  if (chiRate >= 0.9 && (system === null || system === "chi")) {
    system = "chi";
    evidence.push(`${percent(chiRate)} of values pass the CHI check (DDMMYY date of birth and modulus 11)`);
  } else if (nhsRate >= 0.9 && (system === null || system === "nhs")) {
    system = "nhs";
    evidence.push(`${percent(nhsRate)} of values pass the NHS number modulus-11 check`);
  } else if (system === "chi") {
    evidence.push(`only ${percent(chiRate)} of values pass the CHI check: review`);
  }
  if (system === null) return null;
  const pad = system === "chi" && (profile.type === "integer" || (profile.minLength ?? 10) < 10);
  if (pad) evidence.push("stored as numbers: padded to 10 digits for a leading zero lost");
  if (evidence.length === 1 && nameEvidence.length > 0) evidence.push(typeEvidence(profile));
  return {
    hub: "person",
    role: "identifier",
    valueType: "string",
    identifier: { system, national: system === "chi" || system === "nhs" || system === "upi", pad },
    evidence,
  };
}

function objectOf(
  profile: ColumnProfile,
  words: string[],
  textual: boolean,
): Pick<ColumnClass, "hub" | "role" | "evidence" | "object" | "valueType"> | null {
  const icd10 = patternRate(profile, "icd10");
  const opcs4 = patternRate(profile, "opcs4");
  const icdo3 = patternRate(profile, "icdo3_morphology");
  const coded = Math.max(icd10, opcs4, icdo3) >= 0.8;
  if (!textual && !coded) return null;
  const morphology = matching(words, MORPHOLOGY_WORDS);
  const procedure = matching(words, PROCEDURE_WORDS);
  const condition = matching(words, CONDITION_WORDS);
  const medicine = matching(words, MEDICINE_WORDS);
  const weak = matching(words, WEAK_OBJECT_WORDS);
  const codeEvidence = (rate: number, system: string) => `${percent(rate)} of values match ${system} codes`;

  let type: string | null = null;
  let codeSystem: string | undefined;
  const evidence: string[] = [];
  if (morphology.length > 0 || icdo3 >= 0.8) {
    type = "morphology";
    if (morphology.length > 0) evidence.push(wordEvidence(morphology));
    if (icdo3 >= 0.8) {
      codeSystem = "ICD-O-3";
      evidence.push(codeEvidence(icdo3, "ICD-O-3 morphology"));
    }
  } else if (procedure.length > 0) {
    type = "procedure";
    evidence.push(wordEvidence(procedure));
    if (opcs4 >= 0.8) {
      codeSystem = "OPCS-4";
      evidence.push(codeEvidence(opcs4, "OPCS-4"));
    }
  } else if (condition.length > 0) {
    type = "condition";
    evidence.push(wordEvidence(condition));
    if (icd10 >= 0.8) {
      codeSystem = "ICD-10";
      evidence.push(codeEvidence(icd10, "ICD-10"));
    }
  } else if (medicine.length > 0) {
    type = "medicine";
    evidence.push(wordEvidence(medicine));
  } else if (icd10 >= 0.8 && (weak.length > 0 || icd10 >= 0.9)) {
    type = "condition";
    codeSystem = "ICD-10";
    if (weak.length > 0) evidence.push(wordEvidence(weak));
    evidence.push(codeEvidence(icd10, "ICD-10"));
    if (opcs4 >= icd10) evidence.push("they also read as OPCS-4 procedures: review");
  } else if (opcs4 >= 0.9) {
    type = "procedure";
    codeSystem = "OPCS-4";
    evidence.push(codeEvidence(opcs4, "OPCS-4"));
  }
  if (type === null) return null;
  if (evidence.length === 1) evidence.push(typeEvidence(profile));
  const stemWords = words.filter((w) => !OBJECT_QUALIFIERS.has(w) && !/^(?:\d+|[a-z])$/.test(w));
  const stem = stemWords.length > 0 ? stemWords.join("_") : type;
  return {
    hub: "object",
    role: type,
    valueType: "string",
    object: { type, stem, ...(codeSystem === undefined ? {} : { codeSystem }) },
    evidence,
  };
}
