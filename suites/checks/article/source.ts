// Where the article is, and the literals extracted from it (literals.json, written by scripts/extract-article.ts).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../../contract/package-root.ts';
import type { ArticleLiteral } from './literals.ts';

/** The seed beside the checkout (the project's workspace), unless KUBE_CLAIMS_ARTICLE names another copy. */
export const ARTICLE_PATH =
  process.env.KUBE_CLAIMS_ARTICLE ?? join(PACKAGE_ROOT, '..', 'shared', 'seed', '000_6a2dd2e460cf3f0a.txt');
export const LITERALS_PATH = join(PACKAGE_ROOT, 'suites', 'checks', 'article', 'literals.json');

export interface ArticleLiterals {
  /** The seed's file name and the SHA-256 of the text the literals were extracted from. */
  source: string;
  sha256: string;
  literals: ArticleLiteral[];
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function committedLiterals(): ArticleLiterals {
  return JSON.parse(readFileSync(LITERALS_PATH, 'utf8')) as ArticleLiterals;
}

/** The article's text, where this machine has it. */
export const articleText = (): string | undefined =>
  existsSync(ARTICLE_PATH) ? readFileSync(ARTICLE_PATH, 'utf8') : undefined;
