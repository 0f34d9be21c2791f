/**
 * The search query language (`@parley/api/search`): pure, no server code, so
 * the web app parses the box's text into chips with the server's own parser,
 * and tests check the engines against the reference matcher.
 */
export {
  fold,
  parseSearchQuery,
  type QueryNode,
  QuerySyntaxError,
  SEARCH_QUERY_MAX_CHARS,
  type SearchQuery,
  type TextNode,
  wordsOf,
} from "./domain/search-query.ts";
export { type Highlight, highlightsOf, mentions, textMatches } from "./domain/search-text.ts";
