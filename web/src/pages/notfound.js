// The page for paths the app does not know.
import { h } from '../../../widgets/src/core/dom.js';
import { pageHead, emptyState } from '../ui.js';

export default {
  usesRange: false,
  async render(main) {
    document.title = 'Not found · routestat';
    main.append(pageHead({ kicker: 'Not found', title: location.pathname }),
      emptyState('There is no page here', 'Search an AS, a prefix or an IP address, or open the incidents.', h('a', { href: '/' }, 'Home')));
    return {};
  },
};
