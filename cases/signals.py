"""Signals case intelligence sends so that later apps can react without being imported here.

``identifiers_seen`` is sent when an officer records or searches identifiers; the sharing app turns matches in
intelligence the officer cannot see into hits (DESIGN, access rule 5).
"""

from django.dispatch import Signal

#: Sent with ``viewer`` (access.policy.Viewer), ``entity_ids`` (list[int]) and ``trigger`` ("record"/"search").
identifiers_seen = Signal()

#: Sent with ``listing_ids`` (list[int]) when listings are created, in the creating transaction; the compliance
#: app checks them for re-listing of removed content.
listings_recorded = Signal()

#: Sent with ``listing_ids`` (list[int]) when listings are created or changed in bulk (``bulk_create``,
#: ``bulk_update``: no ``post_save``), in the writing transaction; the search app re-indexes them.
listings_written = Signal()

#: Sent with ``case_id`` (int) when a case's own access fields change (classification, markings, jurisdictions,
#: crime area, species) through ``update_case``'s single ``UPDATE`` (no ``post_save``): everything inside the case
#: carries those fields in the search index.
case_access_changed = Signal()
