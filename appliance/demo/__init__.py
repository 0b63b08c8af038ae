"""A made-up but realistic stalking case, written as the exhibits an officer would bring.

``scenario`` holds the story as data (places, people, numbers, the planted trips and the
escalation of contact); ``generator`` turns it into real files in the formats the appliance
reads: a Google Takeout ``Records.json``, a Garmin sat-nav GPX track, two generic CDR CSVs and an
OpenCelliD cell list. Everything is invented: the numbers are in Ofcom's ranges reserved for
drama (07700 900xxx, 020 7946 0xxx) and the output is the same bytes for the same seed.
"""
