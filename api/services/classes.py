"""Classes: a teacher, a language, learners."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from api.errors import InvalidInput, NotFound
from api.models import ClassLearner, SchoolClass, User
from api.services.users import LANGUAGES, create_user


def create_class(db: Session, teacher: User, name: str, language: str,
                 now: datetime) -> SchoolClass:
    if language not in LANGUAGES:
        raise InvalidInput(f"language: one of {', '.join(LANGUAGES)}", field="language")
    school_class = SchoolClass(name=name, language=language, teacher_id=teacher.id, created_at=now)
    db.add(school_class)
    db.commit()
    db.refresh(school_class)
    return school_class


def classes_of(db: Session, teacher: User) -> list[SchoolClass]:
    return list(db.exec(select(SchoolClass).where(SchoolClass.teacher_id == teacher.id)
                             .order_by(SchoolClass.id)))


def class_for_teacher(db: Session, teacher: User, class_id: int) -> SchoolClass:
    """The class if ``teacher`` runs it (admins see all); 404 otherwise, so ids leak nothing."""
    school_class = db.get(SchoolClass, class_id)
    if school_class is None or (teacher.role != "admin" and school_class.teacher_id != teacher.id):
        raise NotFound(f"class {class_id} not found")
    return school_class


def learners_of(db: Session, school_class: SchoolClass) -> list[User]:
    statement = (select(User).join(ClassLearner, ClassLearner.learner_id == User.id)
                 .where(ClassLearner.class_id == school_class.id).order_by(User.id))
    return list(db.exec(statement))


def add_learner(db: Session, school_class: SchoolClass, username: str, password: str,
                now: datetime) -> User:
    """Create a learner account in the class (one transaction)."""
    learner = create_user(db, username, password, "learner", now, language=school_class.language)
    db.add(ClassLearner(learner_id=learner.id, class_id=school_class.id))
    db.commit()
    db.refresh(learner)
    return learner


def class_of_learner(db: Session, learner_id: int) -> SchoolClass | None:
    membership = db.get(ClassLearner, learner_id)
    return db.get(SchoolClass, membership.class_id) if membership else None


def teacher_can_see(db: Session, teacher: User, learner_id: int) -> bool:
    if teacher.role == "admin":
        return True
    school_class = class_of_learner(db, learner_id)
    return school_class is not None and school_class.teacher_id == teacher.id
