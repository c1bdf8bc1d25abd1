// Validates SARIF files against a JSON schema (draft 2020-12): node validate.mjs SCHEMA FILE...
import Ajv from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { readFileSync } from "fs";
const [schemaPath, ...files] = process.argv.slice(2);
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);
let bad = 0;
for (const f of files) {
  const ok = validate(JSON.parse(readFileSync(f, "utf8")));
  if (!ok) { bad++; console.log(f, JSON.stringify(validate.errors.slice(0, 5), null, 1)); } else console.log(f, "valid");
}
process.exit(bad ? 1 : 0);
