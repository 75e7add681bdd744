"""AniSOAP descriptors for ellipsoidal particles."""
