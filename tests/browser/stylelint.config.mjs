// Stylelint's configuration for the style sheets of onshi's pages (web/*/…css): the
// recommended rules, which catch mistakes (unknown properties, invalid hex colours, duplicate
// selectors, rules overridden by an earlier, more specific one) without imposing a format.
// Run by `npm run lint` (scripts/test.sh).
export default {
  extends: ['stylelint-config-recommended'],
};
