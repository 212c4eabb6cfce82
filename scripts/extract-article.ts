// Writes suites/checks/article/literals.json from the article (the seed): run once when the article changes, never
// edited by hand. `npm run article:extract [-- SEED]`.
import { writeFileSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { extractArticle } from '../suites/checks/article/literals.ts';
import { ARTICLE_PATH, LITERALS_PATH, sha256, type ArticleLiterals } from '../suites/checks/article/source.ts';

const path = process.argv[2] ?? ARTICLE_PATH;
const text = readFileSync(path, 'utf8');
const data: ArticleLiterals = { source: basename(path), sha256: sha256(text), literals: extractArticle(text) };
writeFileSync(LITERALS_PATH, `${JSON.stringify(data, null, 2)}\n`);
console.log(`${data.literals.length} literals of ${path} written to ${LITERALS_PATH}`);
