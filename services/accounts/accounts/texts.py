"""Error, page and mail texts of the accounts service, in Arabic, French and English."""

import shared.auth  # noqa: F401  (registers csrf_failed, shared by every service)
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
    "account_invitation_not_found": {
        "ar": "هذه الدعوة غير موجودة.",
        "fr": "Cette invitation est introuvable.",
        "en": "This invitation does not exist.",
    },
    "account_invitation_closed": {
        "ar": "قُبلت هذه الدعوة من قبل أو سُحبت: لا يمكن إعادة إرسالها أو سحبها.",
        "fr": "Cette invitation a déjà été acceptée ou retirée : elle ne peut plus être renvoyée ni retirée.",
        "en": "This invitation was already accepted or withdrawn: it can no longer be resent or withdrawn.",
    },
    "member_id_or_email": {
        "ar": "حددوا الحساب المراد إضافته إما بمعرّفه أو ببريده الإلكتروني، لا بالاثنين معا.",
        "fr": "Désignez le compte à ajouter soit par son identifiant, soit par son adresse e-mail, pas les deux.",
        "en": "Name the account to add either by its id or by its e-mail address, not both.",
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
    "link_invalid": {
        "ar": "هذا الرابط غير صالح أو منتهي الصلاحية أو سبق استعماله.",
        "fr": "Ce lien est invalide, expiré ou déjà utilisé.",
        "en": "This link is invalid, expired or already used.",
    },
    "provider_unavailable": {
        "ar": "تعذر الاتصال بمزود الهوية الآن. أعيدوا المحاولة بعد لحظات.",
        "fr": "Le fournisseur d'identité est injoignable pour l'instant. Réessayez dans quelques instants.",
        "en": "The identity provider cannot be reached just now. Please try again in a few moments.",
    },
    "provider_refused": {
        "ar": "لم يؤكد مزود الهوية تسجيل الدخول. أعيدوا المحاولة.",
        "fr": "Le fournisseur d'identité n'a pas confirmé la connexion. Réessayez.",
        "en": "The identity provider did not confirm the sign-in. Please try again.",
    },
    "provider_not_configured": {
        "ar": "تسجيل الدخول عبر مزود هوية خارجي غير مفعل.",
        "fr": "La connexion par un fournisseur d'identité externe n'est pas activée.",
        "en": "Signing in through an external identity provider is not turned on.",
    },
    "no_account_for_identity": {
        "ar": "لا يوجد حساب على تضامن لهذه الهوية. اطلبوا دعوة من مسؤول المنصة.",
        "fr": "Aucun compte Tadamon ne correspond à cette identité. Demandez une invitation à un administrateur.",
        "en": "No Tadamon account matches this identity. Ask an administrator for an invitation.",
    },
    "local_passwords_off": {
        "ar": "تسجيل الدخول يتم عبر مزود الهوية فقط.",
        "fr": "La connexion se fait uniquement par le fournisseur d'identité.",
        "en": "Sign-in goes through the identity provider only.",
    },
}

MAILS = {
    "mail_invitation_subject": {
        "ar": "دعوة للانضمام إلى منصة تضامن",
        "fr": "Invitation à rejoindre la plateforme Tadamon",
        "en": "Invitation to join the Tadamon platform",
    },
    "mail_invitation_body": {
        "ar": "مرحبا {name}،\n\nتمت دعوتكم إلى منصة تضامن لتظاهرات الاقتصاد الاجتماعي والتضامني. لاختيار كلمة "
              "المرور والدخول إلى فضائكم، افتحوا هذا الرابط (صالح لمدة {days} أيام، لمرة واحدة):\n\n{link}\n\n"
              "إذا لم تكونوا تنتظرون هذه الدعوة، تجاهلوا هذه الرسالة.",
        "fr": "Bonjour {name},\n\nVous êtes invité(e) sur Tadamon, la plateforme des événements de l'économie "
              "sociale et solidaire. Pour choisir votre mot de passe et entrer dans votre espace, ouvrez ce lien "
              "(valable {days} jours, une seule fois) :\n\n{link}\n\nSi vous n'attendiez pas cette invitation, "
              "ignorez ce message.",
        "en": "Hello {name},\n\nYou are invited to Tadamon, the events platform of the social and solidarity "
              "economy. To choose your password and enter your space, open this link (valid for {days} days, "
              "once):\n\n{link}\n\nIf you did not expect this invitation, ignore this mail.",
    },
    "mail_reset_subject": {
        "ar": "إعادة تعيين كلمة المرور على تضامن",
        "fr": "Réinitialisation de votre mot de passe Tadamon",
        "en": "Resetting your Tadamon password",
    },
    "mail_reset_body": {
        "ar": "مرحبا {name}،\n\nلاختيار كلمة مرور جديدة، افتحوا هذا الرابط (صالح لمدة {minutes} دقيقة، لمرة "
              "واحدة):\n\n{link}\n\nإذا لم تطلبوا ذلك، تجاهلوا هذه الرسالة: كلمة مروركم لم تتغير.",
        "fr": "Bonjour {name},\n\nPour choisir un nouveau mot de passe, ouvrez ce lien (valable {minutes} minutes, "
              "une seule fois) :\n\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message : votre mot de "
              "passe n'a pas changé.",
        "en": "Hello {name},\n\nTo choose a new password, open this link (valid for {minutes} minutes, once):"
              "\n\n{link}\n\nIf you did not ask for this, ignore this mail: your password has not changed.",
    },
    "mail_password_changed_subject": {
        "ar": "تم تغيير كلمة مروركم على تضامن",
        "fr": "Votre mot de passe Tadamon a été changé",
        "en": "Your Tadamon password was changed",
    },
    "mail_password_changed_body": {
        "ar": "مرحبا {name}،\n\nتم تغيير كلمة مرور حسابكم على تضامن للتو. إذا لم تقوموا بذلك، أعيدوا تعيينها فورا:"
              "\n\n{link}\n\nوأخبروا مسؤول المنصة.",
        "fr": "Bonjour {name},\n\nLe mot de passe de votre compte Tadamon vient d'être changé. Si ce n'est pas vous, "
              "réinitialisez-le tout de suite :\n\n{link}\n\net prévenez un administrateur de la plateforme.",
        "en": "Hello {name},\n\nThe password of your Tadamon account has just been changed. If it was not you, reset "
              "it at once:\n\n{link}\n\nand tell a platform administrator.",
    },
    "mail_totp_enabled_subject": {
        "ar": "تم تفعيل التحقق بخطوتين على حسابكم في تضامن",
        "fr": "Validation en deux étapes activée sur votre compte Tadamon",
        "en": "Two-step verification turned on for your Tadamon account",
    },
    "mail_totp_enabled_body": {
        "ar": "مرحبا {name}،\n\nتم ربط تطبيق مصادقة جديد بحسابكم على تضامن. إذا لم تقوموا بذلك، أعيدوا تعيين كلمة "
              "المرور فورا:\n\n{link}\n\nوأخبروا مسؤول المنصة.",
        "fr": "Bonjour {name},\n\nUne nouvelle application d'authentification vient d'être liée à votre compte "
              "Tadamon. Si ce n'est pas vous, réinitialisez votre mot de passe tout de suite :\n\n{link}\n\net "
              "prévenez un administrateur de la plateforme.",
        "en": "Hello {name},\n\nA new authenticator app has just been linked to your Tadamon account. If it was not "
              "you, reset your password at once:\n\n{link}\n\nand tell a platform administrator.",
    },
}

register_messages(ERRORS)
register_messages(MAILS)
