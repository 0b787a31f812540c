// Writes a governance model back as governance.yaml that parses to the same model (and so plans no
// changes). Keys follow the schema's order, which is DESIGN.md's; values equal to their default are
// left out; short entries are written on one line in flow style, as in DESIGN.md's example.
import { z } from 'zod';
import { Document, isCollection, isMap, isPair, isScalar, isSeq, visit } from 'yaml';
import { canonicalJson } from './canonical-json.ts';
import type { Governance } from './governance-model.ts';
import { governanceDocumentSchema } from './governance-schema.ts';

const flowLimit = 100;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const fits = (option: unknown, value: unknown): boolean =>
  option instanceof z.ZodObject && isRecord(value) && Object.keys(value).every((key) => key in option.shape);

const isDefault = (field: unknown, value: unknown): boolean =>
  field instanceof z.ZodDefault && canonicalJson(field.def.defaultValue) === canonicalJson(value);

/** The value as governance.yaml should say it: schema key order, defaults omitted. */
const writtenForm = (schema: unknown, value: unknown): unknown => {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) return writtenForm(schema.unwrap(), value);
  if (schema instanceof z.ZodPipe) return writtenForm(schema.in, value);
  if (schema instanceof z.ZodUnion) return writtenForm(schema.options.find((option: unknown) => fits(option, value)) ?? schema.options[0], value);
  if (schema instanceof z.ZodArray && Array.isArray(value)) return value.map((entry) => writtenForm(schema.element, entry));
  if (!(schema instanceof z.ZodObject) || !isRecord(value)) return value;
  const written: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const entry = value[key];
    if (entry === undefined || isDefault(field, entry)) continue;
    const form = writtenForm(field, entry);
    if (field instanceof z.ZodPrefault && isRecord(form) && Object.keys(form).length === 0) continue;
    written[key] = form;
  }
  return written;
};

export const exportGovernance = (governance: Governance): string => {
  const document = new Document(writtenForm(governanceDocumentSchema, governance), { schema: 'core' });
  visit(document, {
    Map: (_, node, path) => {
      const depth = path.filter(isCollection).length;
      // Sections and their entries stay in block style; anything short below them goes on one line.
      if (depth >= 2 && JSON.stringify(node.toJSON()).length <= flowLimit) node.flow = true;
    },
    Seq: (_, node, path) => {
      const depth = path.filter(isCollection).length;
      if (depth >= 1 && JSON.stringify(node.toJSON()).length <= flowLimit) node.flow = true;
    },
    // Cron expressions and name patterns read better quoted.
    Scalar: (_, node) => {
      if (typeof node.value === 'string' && node.value.includes('*')) node.type = 'QUOTE_DOUBLE';
    },
  });
  if (isMap(document.contents)) {
    for (const [index, pair] of document.contents.items.entries()) {
      if (index > 0 && isPair(pair) && isScalar(pair.key)) pair.key.spaceBefore = true;
    }
    const classes = document.contents.get('classes', true);
    if (isSeq(classes)) for (const [index, item] of classes.items.entries()) if (index > 0 && isMap(item)) item.spaceBefore = true;
  }
  document.commentBefore = ' Governance as code for Trustplane; apply with `trustplane apply -f governance.yaml`.';
  return document.toString({ lineWidth: 120, flowCollectionPadding: true });
};
