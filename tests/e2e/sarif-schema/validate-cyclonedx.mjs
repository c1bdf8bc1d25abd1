// Validates a CycloneDX 1.5 JSON SBOM against the official schema (draft-07, with the SPDX and JSF schemas it
// references) and checks that every purl given is a component: node validate-cyclonedx.mjs SCHEMA_DIR FILE PURL...
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { readFileSync } from "fs";
const [dir, file, ...purls] = process.argv.slice(2);
const load = (name) => JSON.parse(readFileSync(`${dir}/${name}`, "utf8"));
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
// ajv-formats has no IRI formats; the schema uses iri-reference for URLs: any string passes, as with uri.
ajv.addFormat("iri-reference", true);
// The bom schema refers to its companions by these SNAPSHOT names, relative to its own $id.
for (const name of ["spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json"]) {
  const s = load(name);
  s.$id = `http://cyclonedx.org/schema/${name}`;
  ajv.addSchema(s);
}
const validate = ajv.compile(load("bom-1.5.SNAPSHOT.schema.json"));
const bom = JSON.parse(readFileSync(file, "utf8"));
let bad = 0;
if (!validate(bom)) { bad++; console.log(file, JSON.stringify(validate.errors.slice(0, 5), null, 1)); }
else console.log(file, "valid CycloneDX", bom.specVersion);
const have = new Set((bom.components || []).map((c) => c.purl));
for (const p of purls) {
  if (!have.has(p)) { bad++; console.log(file, "has no component", p, "; it has", [...have]); }
  else console.log(file, "lists", p);
}
process.exit(bad ? 1 : 0);
