// all.js registers every widget: the ones of widgets/ and BGPlay.
import { register } from './index.js';
import routingStatus from './widgets/routing-status.js';
import announcedPrefixes from './widgets/announced-prefixes.js';
import prefixOverview from './widgets/prefix-overview.js';
import asOverview from './widgets/as-overview.js';
import routingHistory from './widgets/routing-history.js';
import bgpUpdates from './widgets/bgp-updates.js';
import visibility from './widgets/visibility.js';
import asnNeighbours from './widgets/asn-neighbours.js';
import lookingGlass from './widgets/looking-glass.js';
import hijacks from './widgets/hijacks.js';
import bgplay from './bgplay/index.js';

register(
  asOverview, prefixOverview, routingStatus, announcedPrefixes, routingHistory, bgpUpdates,
  visibility, asnNeighbours, lookingGlass, bgplay, hijacks,
);
