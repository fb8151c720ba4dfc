/**
 * Reading the value definitions of a mapping file (docs/mapping.md, "Values") from YAML into
 * compiled `ValueSpec`s, with errors located in the file — including those `buildValueSpec`
 * finds, which name a field of the value and are placed at that field's line.
 */
import { isMap, isScalar, type Node, type Pair } from "yaml";
import { SerumsError, showValue } from "../errors/index.ts";
import type { ValueSpec, ValueType } from "./mapping-types.ts";
import { buildValueSpec, type CodeList, VALUE_TYPES, type ValueDefinition } from "./value-transforms.ts";
import { child, describe, didYouMean, type Fields, item, plain, YamlReader } from "./yaml-reader.ts";

export const VALUE_FIELDS = [
  "column",
  "constant",
  "type",
  "required",
  "format",
  "time_zone",
  "codes",
  "unit",
  "trim",
  "case",
  "pad",
] as const;
export const UNIT_FIELDS = ["from", "to"] as const;
export const PAD_FIELDS = ["length", "with"] as const;

export interface ValueOptions {
  /** How the value is named in messages: "start", "an attribute". */
  what: string;
  /** Always required (event keys and start): `required: false` is refused. */
  forceRequired?: boolean;
  /** The types allowed, when not all. */
  types?: readonly ValueType[];
  /** The type when none is given (default string). */
  defaultType?: ValueType;
}

/** A YAML reader that also reads values, knowing the code lists and the default time zone. */
export class ValueReader extends YamlReader {
  /** The named code lists (`codes:`), filled by the reader of the mapping before any value. */
  protected readonly codeLists = new Map<string, CodeList>();
  /** The zone of local times when a value names none (`source.time_zone`). */
  protected timeZone: string;

  constructor(text: string, file: string, timeZone: string) {
    super(text, file);
    this.timeZone = timeZone;
  }

  codeList(node: Node | null, where: string, name?: string): CodeList {
    const what = name === undefined ? "an inline code list" : `code list ${name}`;
    if (node === null || !isMap(node)) {
      this.fail(where, node, `expected ${what}: a map of code: label; got ${describe(node)}`, plain(node));
    }
    const codes = new Map<string, string>();
    for (const pair of node.items) {
      const key = this.resolve(pair.key, where);
      const code =
        key !== null && isScalar(key) && key.value !== null
          ? typeof key.value === "string"
            ? key.value
            : (key.source ?? String(key.value))
          : undefined;
      if (code === undefined)
        this.fail(where, key ?? node, `a code must be a text or number; got ${describe(key)}`, plain(key));
      const at = child(where, code);
      const labelNode = this.resolve(pair.value, at);
      let label: string | undefined;
      if (labelNode !== null && isScalar(labelNode) && labelNode.value !== null) {
        label =
          typeof labelNode.value === "string"
            ? labelNode.value
            : (labelNode.source ?? String(labelNode.value));
      }
      if (label === undefined || label === "") {
        this.fail(
          at,
          labelNode ?? key,
          `code ${showValue(code)} needs a label (a text); got ${describe(labelNode)}`,
          plain(labelNode),
        );
      }
      codes.set(code, label);
    }
    if (codes.size === 0) this.fail(where, node, `${what} is empty; give at least one code: label`);
    return name === undefined ? { codes } : { name, codes };
  }

  value(node: Node | null, where: string, options: ValueOptions): ValueSpec {
    const def: ValueDefinition = {};
    let fields: Fields | undefined;
    if (
      node !== null &&
      isScalar(node) &&
      (typeof node.value === "string" || typeof node.value === "number")
    ) {
      def.column = this.text(node, where, "a column name");
    } else if (node !== null && isMap(node)) {
      fields = this.fields(node, where, "a value", VALUE_FIELDS);
      for (const [name, { value }] of fields) {
        const at = child(where, name);
        switch (name) {
          case "column":
            def.column = this.text(value, at, "a column name");
            break;
          case "constant":
            if (
              value === null ||
              !isScalar(value) ||
              value.value === null ||
              typeof value.value === "object"
            ) {
              this.fail(
                at,
                value ?? node,
                `expected a constant: a text, number or boolean; got ${describe(value)}`,
                plain(value),
              );
            }
            def.constant = value.value as string | number | boolean;
            break;
          case "type":
            def.type = this.oneOf(value, at, "a value type", VALUE_TYPES);
            break;
          case "required":
            def.required = this.boolean(value, at, "required");
            break;
          case "format":
            def.format = this.text(value, at, "a date format", { allowEmpty: true });
            break;
          case "time_zone":
            def.timeZone = this.text(value, at, "a time zone");
            break;
          case "codes":
            if (value !== null && isMap(value)) {
              def.codes = this.codeList(value, at);
            } else {
              const listName = this.text(value, at, "the name of a code list");
              const list = this.codeLists.get(listName);
              if (list === undefined) {
                const names = [...this.codeLists.keys()];
                this.fail(
                  at,
                  value,
                  names.length === 0
                    ? `${showValue(listName)} is not a code list: none are defined under codes:`
                    : `${showValue(listName)} is not a code list; valid: ${names.join(", ")}${didYouMean(listName, names)}`,
                  listName,
                );
              }
              def.codes = list;
            }
            break;
          case "unit": {
            const unit = this.fields(value, at, "a unit conversion", UNIT_FIELDS, UNIT_FIELDS);
            def.unit = {
              from: this.text(unit.get("from")!.value, child(at, "from"), "a unit"),
              to: this.text(unit.get("to")!.value, child(at, "to"), "a unit"),
            };
            break;
          }
          case "trim":
            def.trim = this.boolean(value, at, "trim");
            break;
          case "case":
            def.case = this.oneOf(value, at, "a case", ["upper", "lower"] as const);
            break;
          case "pad": {
            const pad = this.fields(value, at, "a padding", PAD_FIELDS, PAD_FIELDS);
            const lengthNode = pad.get("length")!.value;
            if (lengthNode === null || !isScalar(lengthNode) || !Number.isInteger(lengthNode.value)) {
              this.fail(
                child(at, "length"),
                lengthNode ?? value,
                `expected a pad length: an integer from 1 to 1000; got ${describe(lengthNode)}`,
                plain(lengthNode),
              );
            }
            def.pad = {
              length: lengthNode.value as number,
              with: this.text(pad.get("with")!.value, child(at, "with"), "a pad character"),
            };
            break;
          }
        }
      }
      if (!fields.has("column") && !fields.has("constant")) {
        this.fail(child(where, "column"), node, `${options.what} needs a column (or a constant)`);
      }
      if (fields.has("column") && fields.has("constant")) {
        this.fail(
          child(where, "constant"),
          fields.get("constant")!.key,
          `${options.what} has a column or a constant, not both`,
          def.constant,
        );
      }
    } else {
      this.fail(
        where,
        node,
        `expected ${options.what}: a column name, or a map with column or constant and type; got ${describe(node)}`,
        plain(node),
      );
    }
    def.type ??= options.defaultType ?? "string";
    if (options.types !== undefined && !options.types.includes(def.type)) {
      const typeEntry = fields?.get("type");
      const choices = options.types.map((t) => `type: ${t}`).join(" or ");
      this.fail(
        typeEntry === undefined ? where : child(where, "type"),
        typeEntry?.value ?? node,
        typeEntry === undefined
          ? `${options.what} must be a ${options.types.join(" or ")} value; add ${choices}`
          : `${showValue(def.type)} is not allowed for ${options.what}; valid: ${options.types.join(", ")}`,
        typeEntry === undefined ? plain(node) : def.type,
      );
    }
    if (options.forceRequired) {
      if (def.required === false) {
        this.fail(
          child(where, "required"),
          fields?.get("required")?.value,
          `${options.what} is always required; remove required: false`,
          false,
        );
      }
      def.required = true;
    }
    try {
      return buildValueSpec(def, { timeZone: this.timeZone });
    } catch (error) {
      if (!(error instanceof SerumsError) || error.code !== "BAD_MAPPING") throw error;
      // Locate the field of the value at fault ("pad.with" → the node of with under pad).
      const sub = error.where.path ?? "";
      let at = where;
      let located: Node | null = node;
      let scope: Node | null = node;
      for (const part of sub === "" ? [] : sub.split(".")) {
        at = child(at, part);
        const found: Pair | undefined =
          scope !== null && isMap(scope)
            ? scope.items.find((pair) => isScalar(pair.key) && pair.key.value === part)
            : undefined;
        scope = found === undefined ? null : this.resolve(found.value, at);
        if (scope !== null) located = scope;
      }
      return this.fail(at, located, error.message, error.where.value);
    }
  }

  values(node: Node | null, where: string, options: ValueOptions, example: string): ValueSpec[] {
    const nodes = this.list(node, where, "values", example);
    if (nodes.length === 0)
      this.fail(where, node, `${options.what} needs at least one value (e.g. ${example})`, []);
    return nodes.map((entry, index) => this.value(entry, item(where, index), options));
  }
}
