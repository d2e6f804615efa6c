"""Classes: a teacher, a language, learners."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from api.errors import InvalidInput, NotFound
from api.models import ClassLearner, SchoolClass, User
from api.services.users import LANGUAGES, create_user


def create_class(session: Session, teacher: User, name: str, language: str,
                 now: datetime) -> SchoolClass:
    if language not in LANGUAGES:
        raise InvalidInput(f"language: one of {', '.join(LANGUAGES)}", field="language")
    school_class = SchoolClass(name=name, language=language, teacher_id=teacher.id, created_at=now)
    session.add(school_class)
    session.commit()
    session.refresh(school_class)
    return school_class


def classes_of(session: Session, teacher: User) -> list[SchoolClass]:
    return list(session.exec(select(SchoolClass).where(SchoolClass.teacher_id == teacher.id)
                             .order_by(SchoolClass.id)))


def class_for_teacher(session: Session, teacher: User, class_id: int) -> SchoolClass:
    """The class if ``teacher`` runs it (admins see all); 404 otherwise, so ids leak nothing."""
    school_class = session.get(SchoolClass, class_id)
    if school_class is None or (teacher.role != "admin" and school_class.teacher_id != teacher.id):
        raise NotFound(f"class {class_id} not found")
    return school_class


def learners_of(session: Session, school_class: SchoolClass) -> list[User]:
    statement = (select(User).join(ClassLearner, ClassLearner.learner_id == User.id)
                 .where(ClassLearner.class_id == school_class.id).order_by(User.id))
    return list(session.exec(statement))


def add_learner(session: Session, school_class: SchoolClass, username: str, password: str,
                now: datetime) -> User:
    """Create a learner account in the class (one transaction)."""
    learner = create_user(session, username, password, "learner", now, language=school_class.language)
    session.add(ClassLearner(learner_id=learner.id, class_id=school_class.id))
    session.commit()
    session.refresh(learner)
    return learner


def class_of_learner(session: Session, learner_id: int) -> SchoolClass | None:
    membership = session.get(ClassLearner, learner_id)
    return session.get(SchoolClass, membership.class_id) if membership else None


def teacher_can_see(session: Session, teacher: User, learner_id: int) -> bool:
    if teacher.role == "admin":
        return True
    school_class = class_of_learner(session, learner_id)
    return school_class is not None and school_class.teacher_id == teacher.id
