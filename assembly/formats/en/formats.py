# Dates as people write them; Django's own English formats are terse.
DATE_FORMAT = "l, F j, Y"
TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "l, F j, Y, g:i A"
SHORT_DATETIME_FORMAT = "M j, g:i A"
