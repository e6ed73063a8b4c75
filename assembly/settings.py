"""Asamblea settings, read from environment variables (see the README's table)."""

import re
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from assembly.env import env_bool, env_int, env_list, env_seconds, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "insecure-local-development-key-never-deploy-this" if DEBUG else None)
if not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long when DEBUG is false.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the site's host names when DEBUG is false.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000", {"http", "https"}).rstrip("/")

INSTALLED_APPS = [
    # modeltranslation must come before the admin.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "csp",
    "assembly.common",
    "assembly.accounts",
    "assembly.assemblies",
    "assembly.notify",
    "assembly.meetings",
    "assembly.rotation",
    "assembly.defense",
    "assembly.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "assembly.common.middleware.PrivatePagesNoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "assembly.accounts.middleware.PreferredLanguageMiddleware",
    "assembly.common.middleware.MethodNotAllowedPageMiddleware",
]

ROOT_URLCONF = "assembly.urls"
WSGI_APPLICATION = "assembly.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "assembly.assemblies.context_processors.redis_down_banner",
            ],
        },
    },
]

# Database: an embedded SQLite file unless DATABASE_URL names PostgreSQL.
DATABASE_URL = env_url(
    "DATABASE_URL", f"sqlite:///{VAR_DIR / 'asamblea.sqlite3'}", {"sqlite", "postgres", "postgresql"}
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work beside one writer; IMMEDIATE takes the write lock at BEGIN,
        # so two transactions racing for the last seat queue up instead of deadlocking.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so a Celery worker process in the tests sees the same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-asamblea.sqlite3")}
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: the shared cache (sessions, rate limits) and the Celery broker. Neither is needed to serve a page:
# sessions live in the database, a Redis error is a cache miss, and a task that cannot be queued waits in its
# database row for the beat's sweep. So Redis gets a short time to answer (a loopback or LAN Redis answers in
# milliseconds), and after an error each process leaves it alone for REDIS_RETRY_AFTER seconds.
REDIS_URL = env_url("REDIS_URL", "redis://127.0.0.1:6379/0", {"redis", "rediss", "unix"})
REDIS_TIMEOUT = env_seconds("REDIS_TIMEOUT", 0.5)
REDIS_RETRY_AFTER = env_seconds("REDIS_RETRY_AFTER", 5)
CACHES = {
    "default": {
        "BACKEND": "assembly.common.cache.ForgivingRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "asamblea"),
        "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
    }
}
# Sessions only in the database: a copy cached in Redis could outlive a log-out made while Redis was frozen
# and let that session in again once Redis answers. One indexed read per request is cheap.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish that Redis does not take fails within about two REDIS_TIMEOUTs instead of waiting (forever, when
# Redis is frozen): its rows stay due in the database, and the sweep queues them once Redis answers.
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_timeout": REDIS_TIMEOUT,
    "socket_connect_timeout": REDIS_TIMEOUT,
    # One more try, for a pooled connection that Redis closed when it restarted.
    "max_retries": 1,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Alerts ride their own queue, and so does the sweep, so a backlog of reminders delays neither.
ALERTS_QUEUE = "alerts"
CELERY_TASK_ROUTES = {
    "assembly.notify.sweep": {"queue": ALERTS_QUEUE},
    "assembly.notify.sweep_alerts": {"queue": ALERTS_QUEUE},
    "assembly.defense.expire_alerts": {"queue": ALERTS_QUEUE},
    "assembly.defense.escalate_alerts": {"queue": ALERTS_QUEUE},
    "assembly.notify.signal_receive": {"queue": ALERTS_QUEUE},
}

# The outbox (assembly/notify). Times in seconds.
NOTIFY_BATCH_SIZE = env_int("NOTIFY_BATCH_SIZE", 100)
NOTIFY_MAX_PER_SWEEP = env_int("NOTIFY_MAX_PER_SWEEP", 50000)
NOTIFY_REQUEUE_AFTER = env_int("NOTIFY_REQUEUE_AFTER", 55)
NOTIFY_SWEEP_EVERY = env_int("NOTIFY_SWEEP_EVERY", 60)
# A claim is a lease its worker renews while it sends; a dead worker's rows come back once it runs out.
# Lease plus sweep interval bounds the recovery: 15 + 5 s for alerts, 30 + 60 s for the rest (100 s after
# docker stop's SIGKILL, which comes 10 s after its SIGTERM).
NOTIFY_LEASE = env_int("NOTIFY_LEASE", 30)
NOTIFY_ALERT_LEASE = env_int("NOTIFY_ALERT_LEASE", 15)
NOTIFY_ALERT_SWEEP_EVERY = env_int("NOTIFY_ALERT_SWEEP_EVERY", 5)
# How often unverified alerts are checked against their plan's time to verify (seconds).
DEFENSE_ESCALATE_EVERY = env_int("DEFENSE_ESCALATE_EVERY", 30)
NOTIFY_ALERT_REQUEUE_AFTER = env_int("NOTIFY_ALERT_REQUEUE_AFTER", 5)
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 8)
NOTIFY_KEEP_DAYS = env_int("NOTIFY_KEEP_DAYS", 30)
# Texts one number may send in ten minutes before the site stops acting on them and answering (a reply loop).
INBOUND_PER_SENDER = env_int("INBOUND_PER_SENDER", 20)

CELERY_BEAT_SCHEDULE = {
    # The one sweep: every due message goes out from here, so a lost Redis loses nothing. A sweep not
    # started before the next one is queued has nothing left to do.
    "notify-sweep": {
        "task": "assembly.notify.sweep",
        "schedule": float(NOTIFY_SWEEP_EVERY),
        "options": {"expires": NOTIFY_SWEEP_EVERY},
    },
    # Alerts' own, faster sweep: an alert whose queued task Redis lost, or whose worker died, waits seconds.
    "notify-sweep-alerts": {
        "task": "assembly.notify.sweep_alerts",
        "schedule": float(NOTIFY_ALERT_SWEEP_EVERY),
        "options": {"expires": NOTIFY_ALERT_SWEEP_EVERY},
    },
    "notify-purge": {"task": "assembly.notify.purge", "schedule": 3600.0},
    "meetings-purge": {"task": "assembly.meetings.purge", "schedule": 3600.0},
    "rotation-purge": {"task": "assembly.rotation.purge", "schedule": 3600.0},
    # Ended alerts lose their details at once; this ends the ones past their time.
    "defense-expire-alerts": {"task": "assembly.defense.expire_alerts", "schedule": 60.0},
    # A report nobody verifies goes up a step: the dispatcher on duty and coordinators, then neighboring zones.
    "defense-escalate-alerts": {
        "task": "assembly.defense.escalate_alerts",
        "schedule": float(DEFENSE_ESCALATE_EVERY),
        "options": {"expires": DEFENSE_ESCALATE_EVERY},
    },
    # Who was on duty when is not kept: a shift goes within the hour after it ends.
    "defense-purge-shifts": {"task": "assembly.defense.purge_shifts", "schedule": 3600.0},
    "purge-expired-invitations": {"task": "assembly.assemblies.purge_expired_invitations", "schedule": 3600.0},
    # An expired session still names its person on disk until it is deleted.
    "accounts-purge-sessions": {"task": "assembly.accounts.purge_sessions", "schedule": 3600.0},
}

MEETING_DETAILS_KEEP_DAYS = env_int("MEETING_DETAILS_KEEP_DAYS", 7)
GUEST_CONFIRM_HOURS = env_int("GUEST_CONFIRM_HOURS", 48)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "assembly.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "assembly.accounts.forms.SignupForm"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Asamblea] "
# allauth's rate limiter also guards forms outside accounts: the guest sign-up (assembly/meetings); the public
# report page (assembly/defense), where a report is a raid seen in the street and a few from one place in ten
# minutes is plenty; and the profile's test messages (assembly/accounts), each of which may cost a text message:
# per person, and per address or number.
ACCOUNT_RATE_LIMITS = {
    "guest_signup": "20/h/ip,5/h/key",
    "public_report": "5/10m/ip",
    "channel_test": "3/10m/user,10/d/user,10/d/key",
}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"

# Languages: adding one is a line here, a .po file and `makemigrations` for the new content columns.
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of {', '.join(dict(LANGUAGES))}.")
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["assembly.formats"]
MODELTRANSLATION_DEFAULT_LANGUAGE = LANGUAGE_CODE
MODELTRANSLATION_FALLBACK_LANGUAGES = {
    "default": (LANGUAGE_CODE,),
    **{code: tuple(other for other, _name in LANGUAGES if other != code) for code, _name in LANGUAGES},
}
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Mail: SMTP when EMAIL_HOST is set; with DEBUG and no host, each message is a file in var/mail/.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Asamblea <asamblea@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_MESSAGE_ID_DOMAIN = env_str("EMAIL_MESSAGE_ID_DOMAIN", urlparse(SITE_URL).hostname or "localhost")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set at most one of EMAIL_USE_TLS and EMAIL_USE_SSL.")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
else:
    raise ImproperlyConfigured("EMAIL_HOST must be set when DEBUG is false.")

# Phone numbers typed without a country code are read as numbers of this region (ISO 3166 code).
PHONE_REGION = env_str("PHONE_REGION", "US").upper()

# Text channels (alerts): for each, a class with send(to=, text=) -> provider reference (assembly/notify/channels.py).
# The file backend writes messages to SMS_FILE_PATH / SIGNAL_FILE_PATH, numbers and alert places included, and
# keeps them: for development only. Empty: the site sends nothing by that channel and offers it to no one.
SMS_BACKEND = env_str("SMS_BACKEND", "assembly.notify.channels.FileBackend" if DEBUG else "")
SMS_FILE_PATH = Path(env_str("SMS_FILE_PATH", str(VAR_DIR / "sms")))
SIGNAL_BACKEND = env_str("SIGNAL_BACKEND", "assembly.notify.channels.FileBackend" if DEBUG else "")
SIGNAL_FILE_PATH = Path(env_str("SIGNAL_FILE_PATH", str(VAR_DIR / "signal")))
# The providers (assembly/notify/providers/), each picked by naming its class in SMS_BACKEND or SIGNAL_BACKEND.
# Twilio: SMS_BACKEND=assembly.notify.providers.twilio.TwilioBackend. TWILIO_FROM is our number (E.164) or a
# Messaging Service SID (MG...). TWILIO_API_BASE points the client elsewhere than Twilio (make run, tests).
# Delivery statuses and inbound texts come to /webhooks/twilio/status/ and /webhooks/twilio/sms/ of SITE_URL.
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM = env_str("TWILIO_FROM", "")
TWILIO_API_BASE = env_url("TWILIO_API_BASE", "https://api.twilio.com", {"http", "https"}).rstrip("/")
# SMS Gateway for Android (a phone of ours sends the texts): SMS_BACKEND=
# assembly.notify.providers.android.AndroidGatewayBackend. The URL is the phone's local server or the
# gateway's cloud or private server; its webhooks (sms:received, sms:delivered, sms:failed) go to
# /webhooks/android/ signed with ANDROID_GATEWAY_WEBHOOK_SECRET.
ANDROID_GATEWAY_URL = env_str("ANDROID_GATEWAY_URL", "")
ANDROID_GATEWAY_LOGIN = env_str("ANDROID_GATEWAY_LOGIN", "")
ANDROID_GATEWAY_PASSWORD = env_str("ANDROID_GATEWAY_PASSWORD", "")
ANDROID_GATEWAY_WEBHOOK_SECRET = env_str("ANDROID_GATEWAY_WEBHOOK_SECRET", "")
# signal-cli REST API (a Signal account of ours, on a host we run): SIGNAL_BACKEND=
# assembly.notify.providers.signal.SignalBackend. The beat fetches what people sent it every
# SIGNAL_RECEIVE_EVERY seconds and answers each.
SIGNAL_API_URL = env_str("SIGNAL_API_URL", "")
SIGNAL_NUMBER = env_str("SIGNAL_NUMBER", "")
SIGNAL_RECEIVE_EVERY = env_int("SIGNAL_RECEIVE_EVERY", 5)
# How long a provider may take to answer one request before the message goes back for a retry.
PROVIDER_TIMEOUT = env_int("PROVIDER_TIMEOUT", 10)
# Requests each client address may make to the webhooks per minute: room for a provider's burst of replies
# after a large alert, none for a flood. Counted in Redis with one atomic increment, not allauth's limiter,
# whose lock refuses a request that waits for it over a second: a burst of replies would lose some.
WEBHOOK_RATE_PER_MINUTE = env_int("WEBHOOK_RATE_PER_MINUTE", 6000)

if SIGNAL_BACKEND == "assembly.notify.providers.signal.SignalBackend":
    # signal-cli keeps what people send until asked: this asks, and answers each.
    CELERY_BEAT_SCHEDULE["notify-signal-receive"] = {
        "task": "assembly.notify.signal_receive",
        "schedule": float(SIGNAL_RECEIVE_EVERY),
        "options": {"expires": SIGNAL_RECEIVE_EVERY},
    }

# Security headers. Every page is same-origin only: no CDN, web font, map tile or analytics host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Rate limits (log-in, sign-up, guest sign-up) must count the visitor, not the proxy every request comes
# from, or one visitor locks everyone out. allauth takes the address the outermost of our proxies appended to
# X-Forwarded-For (the client can forge anything to its left), or a header the proxy sets itself.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if BEHIND_TLS_PROXY else 0)
if ALLAUTH_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_str("TRUSTED_CLIENT_IP_HEADER", "") or None
if ALLAUTH_TRUSTED_CLIENT_IP_HEADER and not re.fullmatch(r"[A-Za-z0-9-]+", ALLAUTH_TRUSTED_CLIENT_IP_HEADER):
    raise ImproperlyConfigured("TRUSTED_CLIENT_IP_HEADER must be a header name such as X-Real-IP.")

INVITATION_LIFETIME_DAYS = env_int("INVITATION_LIFETIME_DAYS", 7)

# Link secrets ride in URL paths (assembly/common/urlsecrets.py): every handler takes them out of what it
# writes. Django's default handlers (runserver's request lines, and the "django" logger's own) do not, so
# both loggers are given these instead.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"link_secrets": {"()": "assembly.common.logsafety.RedactLinkSecrets"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["link_secrets"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "filters": ["link_secrets"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # The twilio client logs every request and response at INFO: headers and URLs by the thousand.
        "twilio": {"level": "WARNING"},
    },
}
