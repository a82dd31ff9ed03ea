"""Texts of the accounts pages, in Arabic, French and English."""

from shared.web import register_texts

UI_TEXTS = {
    "ui_acc_signin": {"ar": "تسجيل الدخول", "fr": "Connexion", "en": "Sign in"},
    "ui_acc_signin_intro": {
        "ar": "فضاء المنظمين والمتطوعين والتعاونيات.",
        "fr": "L'espace des organisateurs, des bénévoles et des coopératives.",
        "en": "The space of organizers, volunteers and cooperatives.",
    },
    "ui_acc_email": {"ar": "البريد الإلكتروني", "fr": "Adresse e-mail", "en": "E-mail address"},
    "ui_acc_password": {"ar": "كلمة المرور", "fr": "Mot de passe", "en": "Password"},
    "ui_acc_code_title": {"ar": "رمز التحقق", "fr": "Code de vérification", "en": "Verification code"},
    "ui_acc_code": {
        "ar": "الرمز المكون من 6 أرقام", "fr": "Code à 6 chiffres", "en": "6-digit code",
    },
    "ui_acc_code_intro": {
        "ar": "أدخلوا الرمز الذي يعرضه تطبيق المصادقة على هاتفكم.",
        "fr": "Saisissez le code affiché par l'application d'authentification de votre téléphone.",
        "en": "Enter the code shown by the authenticator app on your phone.",
    },
    "ui_acc_enroll_intro": {
        "ar": "حسابكم يطلع على معطيات شخصية: يلزم عامل ثانٍ. امسحوا هذا الرمز بتطبيق مصادقة (TOTP) ثم أدخلوا الرمز "
              "الذي يعرضه.",
        "fr": "Votre compte donne accès à des données personnelles : un second facteur est requis. Scannez ce code "
              "avec une application d'authentification (TOTP), puis saisissez le code qu'elle affiche.",
        "en": "Your account gives access to personal data: a second factor is required. Scan this code with an "
              "authenticator app (TOTP), then enter the code it shows.",
    },
    "ui_acc_secret": {
        "ar": "أو أدخلوا هذا المفتاح يدويا:", "fr": "Ou saisissez cette clé à la main :",
        "en": "Or type this key by hand:",
    },
    "ui_acc_verify": {"ar": "تحقق", "fr": "Vérifier", "en": "Verify"},
    "ui_acc_my_account": {"ar": "حسابي", "fr": "Mon compte", "en": "My account"},
    "ui_acc_welcome": {"ar": "مرحبا {name}", "fr": "Bonjour {name}", "en": "Welcome, {name}"},
    "ui_acc_rights": {"ar": "صلاحياتي", "fr": "Mes droits", "en": "My rights"},
    "ui_acc_no_rights": {
        "ar": "لا صلاحية لهذا الحساب بعد.", "fr": "Ce compte n'a encore aucun droit.",
        "en": "This account holds no rights yet.",
    },
    "ui_acc_sessions": {"ar": "الجلسات المفتوحة", "fr": "Sessions ouvertes", "en": "Open sessions"},
    "ui_acc_this_session": {"ar": "هذه الجلسة", "fr": "Cette session", "en": "This session"},
    "ui_acc_scanner_session": {"ar": "جهاز مسح", "fr": "Scanner", "en": "Scanner"},
    "ui_acc_revoke": {"ar": "إنهاء", "fr": "Terminer", "en": "End"},
    "ui_acc_since": {"ar": "منذ", "fr": "depuis", "en": "since"},
    "ui_acc_signout": {"ar": "تسجيل الخروج", "fr": "Se déconnecter", "en": "Sign out"},
    "ui_acc_change_password": {"ar": "تغيير كلمة المرور", "fr": "Changer le mot de passe", "en": "Change password"},
    "ui_acc_current_password": {"ar": "كلمة المرور الحالية", "fr": "Mot de passe actuel", "en": "Current password"},
    "ui_acc_new_password": {"ar": "كلمة المرور الجديدة", "fr": "Nouveau mot de passe", "en": "New password"},
    "ui_acc_new_password_again": {
        "ar": "أعيدوا كتابة كلمة المرور الجديدة", "fr": "Nouveau mot de passe, à nouveau",
        "en": "New password, again",
    },
    "ui_acc_password_hint": {
        "ar": "{min} حرفا على الأقل. يمكن استعمال جملة طويلة.",
        "fr": "Au moins {min} caractères. Une longue phrase convient très bien.",
        "en": "At least {min} characters. A long phrase works well.",
    },
    "ui_acc_password_changed": {
        "ar": "تم تغيير كلمة المرور. أُنهيت جلساتكم الأخرى.",
        "fr": "Mot de passe changé. Vos autres sessions ont été terminées.",
        "en": "Password changed. Your other sessions have been ended.",
    },
    "ui_acc_totp": {"ar": "التحقق بخطوتين", "fr": "Validation en deux étapes", "en": "Two-step verification"},
    "ui_acc_totp_on": {
        "ar": "مفعل: يطلب رمز عند كل تسجيل دخول.", "fr": "Activée : un code est demandé à chaque connexion.",
        "en": "On: a code is asked at each sign-in.",
    },
    "ui_acc_totp_enable": {"ar": "تفعيل", "fr": "Activer", "en": "Turn on"},
    "ui_acc_scanners": {"ar": "أجهزة المسح", "fr": "Scanners", "en": "Scanners"},
    "ui_acc_sign_in_scanner": {
        "ar": "ربط جهاز مسح لمتطوع", "fr": "Connecter le scanner d'un bénévole", "en": "Sign a volunteer's scanner in",
    },
    "ui_acc_scanner": {"ar": "جهاز مسح", "fr": "Scanner", "en": "Scanner"},
    "ui_acc_gate": {"ar": "المدخل", "fr": "Entrée", "en": "Gate"},
    "ui_acc_scope": {"ar": "الولوج الممنوح", "fr": "Accès accordé", "en": "Access granted"},
    "ui_acc_label": {"ar": "اسم الجهاز", "fr": "Nom de l'appareil", "en": "Device name"},
    "ui_acc_make_code": {"ar": "إنشاء رمز", "fr": "Créer un code", "en": "Create a code"},
    "ui_acc_code_for": {
        "ar": "على هاتف المتطوع، افتحوا {link} وأدخلوا هذا الرمز، أو امسحوا رمز QR. صالح لمدة {minutes} دقائق، "
              "لمرة واحدة.",
        "fr": "Sur le téléphone du bénévole, ouvrez {link} et saisissez ce code, ou scannez le QR. Valable "
              "{minutes} minutes, une seule fois.",
        "en": "On the volunteer's phone, open {link} and type this code, or scan the QR. Valid for {minutes} "
              "minutes, once.",
    },
    "ui_acc_device_title": {"ar": "ربط هذا الجهاز", "fr": "Connecter cet appareil", "en": "Sign this device in"},
    "ui_acc_device_intro": {
        "ar": "أدخلوا الرمز المعروض على شاشة المنظم.", "fr": "Saisissez le code affiché sur l'écran de l'organisateur.",
        "en": "Enter the code shown on the organizer's screen.",
    },
    "ui_acc_device_code": {"ar": "رمز الجهاز", "fr": "Code de l'appareil", "en": "Device code"},
    "ui_acc_connect": {"ar": "ربط", "fr": "Connecter", "en": "Connect"},
    "ui_acc_device_ready": {
        "ar": "هذا الجهاز متصل للمسح فقط.", "fr": "Cet appareil est connecté, pour scanner uniquement.",
        "en": "This device is signed in, for scanning only.",
    },
    "ui_acc_no_grantable": {
        "ar": "لا تنظمون أي ملتقى أو سوق.", "fr": "Vous n'organisez aucune conférence ni aucun marché.",
        "en": "You organize no conference or market.",
    },
    "ui_acc_forgot": {"ar": "نسيتم كلمة المرور؟", "fr": "Mot de passe oublié ?", "en": "Forgot your password?"},
    "ui_acc_reset_title": {
        "ar": "إعادة تعيين كلمة المرور", "fr": "Réinitialiser le mot de passe", "en": "Reset your password",
    },
    "ui_acc_reset_intro": {
        "ar": "أدخلوا بريدكم الإلكتروني: سنرسل إليه رابطا لاختيار كلمة مرور جديدة.",
        "fr": "Saisissez votre adresse e-mail : nous y enverrons un lien pour choisir un nouveau mot de passe.",
        "en": "Enter your e-mail address: we will send a link to choose a new password.",
    },
    "ui_acc_send_link": {"ar": "إرسال الرابط", "fr": "Envoyer le lien", "en": "Send the link"},
    "ui_acc_reset_sent": {
        "ar": "إذا كان لهذا العنوان حساب، فقد أرسلنا إليه رابطا. تفقدوا بريدكم.",
        "fr": "Si un compte existe avec cette adresse, un lien vient d'y être envoyé. Consultez votre messagerie.",
        "en": "If an account has this address, a link has just been sent to it. Check your mail.",
    },
    "ui_acc_invited": {
        "ar": "مرحبا {name}، اختاروا كلمة مروركم للدخول إلى فضائكم.",
        "fr": "Bienvenue {name} : choisissez votre mot de passe pour entrer dans votre espace.",
        "en": "Welcome, {name}: choose your password to enter your space.",
    },
    "ui_acc_choose_password": {
        "ar": "اختيار كلمة المرور", "fr": "Choisir le mot de passe", "en": "Choose the password",
    },
    "ui_acc_open_scanner": {"ar": "فتح الماسح", "fr": "Ouvrir le scanner", "en": "Open the scanner"},
    "ui_acc_with_provider": {
        "ar": "الدخول عبر مزود الهوية", "fr": "Se connecter avec le fournisseur d'identité",
        "en": "Sign in with the identity provider",
    },
}


def register_ui_texts() -> None:
    register_texts(UI_TEXTS)
