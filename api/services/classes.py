"""Classes: a teacher, a language, learners; what a teacher does with their learners.

A teacher's new learner gets a login that no one else has without the teacher
learning whether a login is someone else's: the login is the first part the
teacher gives followed by digits the server draws (``amina`` -> ``amina48``),
free ones chosen among random candidates. A teacher never sees "already taken"
about an account outside their classes, so they cannot list other schools'
learners, teachers or admins by trying names; the only 409 is a learner of the
same name already in the same class (a double submission, most likely).
"""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlmodel import Session, col, select

from api.errors import Conflict, InvalidInput, NotFound
from api.models import ClassLearner, SchoolClass, User, utc
from api.schemas import ClassOut, LearnerCreated, LearnerOut
from api.services import passwords
from api.services.rows import id_of
from api.services.usernames import (
    MAX_LOGIN_LENGTH,
    base_from_display_name,
    check_display_name,
    check_login,
    login_key,
)
from api.services.users import TEACHING_ROLES, check_support_language, create_user
from content.catalog import LANGUAGES

#: Digits drawn after a learner's login: two, more when a length's candidates are all taken.
SUFFIX_DIGITS = (2, 3, 4, 5, 6)
#: Random candidates tried per length (one query for all of them).
CANDIDATES_PER_LENGTH = 8
#: Tries when another request takes the chosen login between the check and the insert.
CREATE_TRIES = 3


def class_name(name: str) -> str:
    """A class's name as it is kept: the rule of a person's display name (spaces around it
    removed, runs of spaces made one, no invisible characters, at most 120 characters), so a
    name of spaces alone is refused (422) instead of making a class with no name to click on
    in the teacher's list."""
    return check_display_name(name, field="name")


def create_class(db: Session, teacher: User, name: str, language: str,
                 now: datetime) -> SchoolClass:
    if language not in LANGUAGES:
        raise InvalidInput(f"language: one of {', '.join(LANGUAGES)}", field="language")
    school_class = SchoolClass(name=class_name(name), language=language, teacher_id=id_of(teacher),
                               created_at=now)
    db.add(school_class)
    db.commit()
    db.refresh(school_class)
    return school_class


def classes_of(db: Session, teacher: User) -> list[SchoolClass]:
    """The teacher's own classes; for an admin, every class."""
    statement = select(SchoolClass).order_by(col(SchoolClass.id))
    if teacher.role != "admin":
        statement = statement.where(col(SchoolClass.teacher_id) == teacher.id)
    return list(db.exec(statement))


def class_for_teacher(db: Session, teacher: User, class_id: int) -> SchoolClass:
    """The class if ``teacher`` runs it (admins see all); 404 otherwise, so ids leak nothing."""
    school_class = db.get(SchoolClass, class_id)
    if school_class is None or (teacher.role != "admin" and school_class.teacher_id != teacher.id):
        raise NotFound(f"class {class_id} not found: GET /v1/classes lists the classes you teach")
    return school_class


def learners_of(db: Session, school_class: SchoolClass) -> list[User]:
    statement = (select(User).join(ClassLearner, col(ClassLearner.learner_id) == col(User.id))
                 .where(col(ClassLearner.class_id) == school_class.id).order_by(col(User.id)))
    return list(db.exec(statement))


def describe(db: Session, school_class: SchoolClass) -> ClassOut:
    return ClassOut(id=id_of(school_class), name=school_class.name, language=school_class.language,
                    teacher_id=school_class.teacher_id, learner_count=len(learners_of(db, school_class)),
                    created_at=utc(school_class.created_at))


def describe_learner(learner: User) -> LearnerOut:
    return LearnerOut(id=id_of(learner), username=learner.username, display_name=learner.display_name,
                      disabled=learner.disabled_at is not None, support_language=learner.support_language)


def _enrol(db: Session, school_class: SchoolClass, learner: User) -> None:
    db.add(ClassLearner(learner_id=id_of(learner), class_id=id_of(school_class)))


def add_learner(db: Session, school_class: SchoolClass, username: str, password: str,
                now: datetime, display_name: str | None = None) -> User:
    """A learner account with exactly this login, in the class (commits): for the server's
    own callers (the demo), who may know every login. Teachers use :func:`create_learner`."""
    learner = create_user(db, username, password, "learner", now, language=school_class.language,
                          display_name=display_name)
    _enrol(db, school_class, learner)
    db.commit()
    db.refresh(learner)
    return learner


def _free_login(db: Session, base: str) -> str:
    """``base`` followed by random digits, a login no account has (see the module's text)."""
    for digits in SUFFIX_DIGITS:
        low = 10 ** (digits - 1)
        candidates = {}
        for _ in range(CANDIDATES_PER_LENGTH):
            login = f"{base}{low + secrets.randbelow(9 * low)}"
            candidates[login_key(login)] = login
        used = set(db.exec(select(User.login_key).where(col(User.login_key).in_(list(candidates)))))
        free = [login for key, login in candidates.items() if key not in used]
        if free:
            return free[0]
    raise Conflict("no free login starts with this name: give another username", field="username",
                   code="no_free_login")


def free_login(db: Session, display_name: str) -> str:
    """A login no account has, from a display name's first word and drawn digits (the rule of
    :func:`create_learner`; accounts made by an LTI launch get theirs this way)."""
    base = check_login(base_from_display_name(display_name), min_length=1,
                       max_length=MAX_LOGIN_LENGTH - SUFFIX_DIGITS[-1])
    return _free_login(db, base)


def create_learner(db: Session, school_class: SchoolClass, display_name: str | None,
                   username: str | None, password: str | None, now: datetime,
                   support_language: str | None = None) -> LearnerCreated:
    """A teacher's new learner in the class (commits): the login is ``username`` (or the
    display name's first word) and drawn digits; without a password a one-time one is
    made and returned, to be changed at the first login."""
    if display_name is None and username is None:
        raise InvalidInput("display_name: give the learner's name", field="display_name")
    check_support_language(support_language)
    name = check_display_name(display_name if display_name is not None else str(username))
    base = check_login(username if username is not None else base_from_display_name(name),
                       min_length=1, max_length=MAX_LOGIN_LENGTH - SUFFIX_DIGITS[-1])
    for other in learners_of(db, school_class):
        if other.display_name.casefold() == name.casefold():
            raise Conflict(f"'{name}' is already in this class (login {other.username}): give the "
                           "new learner another display name", field="display_name", code="name_in_class",
                           name=other.display_name, username=other.username)
    secret = password if password is not None else passwords.one_time()
    learner: User | None = None
    for _ in range(CREATE_TRIES):
        try:
            learner = create_user(db, _free_login(db, base), secret, "learner", now,
                                  language=school_class.language, display_name=name,
                                  must_change_password=password is None)
            learner.support_language = support_language
            break
        except Conflict as taken:
            if taken.code != "username_taken":
                raise  # no free login at all: drawing again would only say "try again"
            continue  # another request took the login in between: draw again
    if learner is None:
        raise Conflict("the server is creating many accounts at once: try again")
    _enrol(db, school_class, learner)
    db.commit()
    db.refresh(learner)
    return LearnerCreated(**describe_learner(learner).model_dump(),
                          one_time_password=None if password is not None else secret)


def move_learner(db: Session, school_class: SchoolClass, learner: User) -> LearnerOut:
    """Put the learner into ``school_class`` (from their class, or from none); their language
    becomes the class's (their history in the other language stays theirs). Commits."""
    membership = db.get(ClassLearner, id_of(learner))
    if membership is None:
        _enrol(db, school_class, learner)
    else:
        membership.class_id = id_of(school_class)
        db.add(membership)
    learner.language = school_class.language
    db.add(learner)
    db.commit()
    db.refresh(learner)
    return describe_learner(learner)


def remove_learner(db: Session, school_class: SchoolClass, learner_id: int, now: datetime) -> None:
    """Take the learner out of ``school_class`` (404 unless they are in it) and disable their
    account: they can no longer log in, their tokens stop working, and no teacher sees them.
    Nothing is erased: an admin can enable the account and put it in a class again, or erase
    it (``DELETE /v1/learners/{id}``). Commits."""
    membership = db.get(ClassLearner, learner_id)
    learner = db.get(User, learner_id)
    if membership is None or membership.class_id != school_class.id or learner is None:
        raise NotFound(f"learner {learner_id} not found in class {school_class.id}: "
                       f"GET /v1/classes/{school_class.id}/learners lists its learners")
    db.delete(membership)
    learner.disabled_at = now
    learner.token_version += 1
    db.add(learner)
    db.commit()


def hand_over(db: Session, school_class: SchoolClass, teacher_id: int) -> ClassOut:
    """Give the class to another teacher (an admin's act); commits."""
    teacher = db.get(User, teacher_id)
    if teacher is None or teacher.role not in TEACHING_ROLES or teacher.disabled_at is not None:
        raise InvalidInput(f"teacher_id: {teacher_id} is not an active teacher's account",
                           field="teacher_id")
    school_class.teacher_id = teacher_id
    db.add(school_class)
    db.commit()
    db.refresh(school_class)
    return describe(db, school_class)


def class_of_learner(db: Session, learner_id: int) -> SchoolClass | None:
    membership = db.get(ClassLearner, learner_id)
    return db.get(SchoolClass, membership.class_id) if membership else None


def teacher_can_see(db: Session, teacher: User, learner_id: int) -> bool:
    """The learner is in one of the teacher's classes (admins: any learner).

    One query whatever the answer: a learner enrolled with another teacher and an id
    that is no one's take the same path and the same time (two look-ups for the one
    and one for the other told a teacher, by timing, which ids are learners elsewhere).
    """
    if teacher.role == "admin":
        return True
    found = db.exec(select(ClassLearner.learner_id)
                    .join(SchoolClass, col(SchoolClass.id) == col(ClassLearner.class_id))
                    .where(col(ClassLearner.learner_id) == learner_id,
                           col(SchoolClass.teacher_id) == teacher.id)).first()
    return found is not None
