// The suggestions live in core, where config validation uses them too.
export { didYouMean, listSome, nearest } from '@oversight/core';
