"""Error, page and mail texts of the accounts service, in Arabic, French and English."""

from shared.i18n import register_messages

ERRORS = {
    "sign_in_refused": {
        "ar": "البريد الإلكتروني أو كلمة المرور غير صحيحة، أو تجاوزتم عدد المحاولات المسموح به: "
              "أعيدوا المحاولة بعد 15 دقيقة.",
        "fr": "E-mail ou mot de passe incorrect, ou trop de tentatives : réessayez dans 15 minutes.",
        "en": "Wrong e-mail or password, or too many attempts: try again in 15 minutes.",
    },
    "wrong_code": {
        "ar": "الرمز غير صحيح. أدخلوا الرمز الحالي من تطبيق المصادقة.",
        "fr": "Code incorrect. Saisissez le code affiché en ce moment par votre application d'authentification.",
        "en": "Wrong code. Enter the code your authenticator app shows now.",
    },
    "challenge_expired": {
        "ar": "انتهت مهلة تسجيل الدخول. أعيدوا تسجيل الدخول.",
        "fr": "La connexion a expiré. Reconnectez-vous.",
        "en": "The sign-in has expired. Please sign in again.",
    },
    "session_expired": {
        "ar": "انتهت الجلسة. أعيدوا تسجيل الدخول.",
        "fr": "La session a expiré. Reconnectez-vous.",
        "en": "The session has expired. Please sign in again.",
    },
    "csrf_failed": {
        "ar": "انتهت صلاحية الاستمارة. أعيدوا تحميل الصفحة ثم حاولوا من جديد.",
        "fr": "Le formulaire a expiré. Rechargez la page et réessayez.",
        "en": "The form has expired. Reload the page and try again.",
    },
    "account_exists": {
        "ar": "يوجد حساب بهذا البريد الإلكتروني من قبل.",
        "fr": "Un compte existe déjà avec cette adresse e-mail.",
        "en": "An account with this e-mail address already exists.",
    },
    "account_not_found": {
        "ar": "هذا الحساب غير موجود.",
        "fr": "Ce compte est introuvable.",
        "en": "This account does not exist.",
    },
    "team_not_found": {
        "ar": "هذا الفريق غير موجود.",
        "fr": "Cette équipe est introuvable.",
        "en": "This team does not exist.",
    },
    "session_not_found": {
        "ar": "هذه الجلسة غير موجودة أو منتهية.",
        "fr": "Cette session est introuvable ou déjà terminée.",
        "en": "This session does not exist or has already ended.",
    },
    "cannot_disable_self": {
        "ar": "لا يمكنكم تعطيل حسابكم بأنفسكم.",
        "fr": "Vous ne pouvez pas désactiver votre propre compte.",
        "en": "You cannot disable your own account.",
    },
    "unknown_scope": {
        "ar": "صلاحية غير معروفة. الصيغ المقبولة: organizer:conference:<id> و organizer:market:<id> و "
              "organizer:recommendations و reviewer:recommendations و staff:conference:<id> و staff:market:<id> "
              "و exhibitor:cooperative:<id>.",
        "fr": "Portée inconnue. Formes admises : organizer:conference:<id>, organizer:market:<id>, "
              "organizer:recommendations, reviewer:recommendations, staff:conference:<id>, staff:market:<id>, "
              "exhibitor:cooperative:<id>.",
        "en": "Unknown scope. Accepted forms: organizer:conference:<id>, organizer:market:<id>, "
              "organizer:recommendations, reviewer:recommendations, staff:conference:<id>, staff:market:<id>, "
              "exhibitor:cooperative:<id>.",
    },
    "scope_not_grantable": {
        "ar": "لا يمكنكم منح هذه الصلاحية: لستم منظمي هذا الملتقى أو هذا السوق.",
        "fr": "Vous ne pouvez pas accorder cet accès : vous n'organisez pas cette conférence ou ce marché.",
        "en": "You cannot grant this access: you do not organize this conference or market.",
    },
    "device_code_invalid": {
        "ar": "رمز الجهاز غير صحيح أو منتهي الصلاحية أو سبق استعماله.",
        "fr": "Code d'appareil incorrect, expiré ou déjà utilisé.",
        "en": "The device code is wrong, expired or already used.",
    },
    "wrong_password": {
        "ar": "كلمة المرور الحالية غير صحيحة.",
        "fr": "Le mot de passe actuel est incorrect.",
        "en": "The current password is wrong.",
    },
    "passwords_differ": {
        "ar": "كلمتا المرور غير متطابقتين.",
        "fr": "Les deux mots de passe ne sont pas identiques.",
        "en": "The two passwords do not match.",
    },
}

register_messages(ERRORS)
