"""Files into the database: the one door (``importer.import_file`` / ``import_into``) and what it
is built of — row builders (``targets``), value readers (``values``), the planners' vocabulary and
import profiles, the registration rules a bulk file passes (``bulk_rules``), the templates operators
fill in, and the sample province's seed (``loader``, ``loader_layers``), an import of its files."""
