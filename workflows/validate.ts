import aslValidator from 'asl-validator';
import { placeholders, readDefinition, substitute } from './definition';

// Validates the definition as AWS would see it after substitution (ARNs in place of ${...}).
const text = readDefinition();
const values = Object.fromEntries(
  placeholders(text).map((key) => [key, `arn:aws:lambda:eu-west-1:123456789012:function:${key.replace(/FunctionArn$/, '')}`]),
);
const { isValid, errorsText } = aslValidator(JSON.parse(substitute(text, values)));
if (!isValid) {
  console.error(`workflows/major-incident.asl.json is not valid ASL:\n${errorsText('\n')}`);
  process.exit(1);
}
console.log(`workflows/major-incident.asl.json: valid ASL (${placeholders(text).length} substitutions)`);
